// Every page the approval link can lead to. Each says what happened and, where nothing changed, says so:
// an approver who hits an old link must not wonder whether they just approved something.

import type { ApprovalRecord } from '../../aws/approvals';
import { approvalHeadline, shortCommit, templateLabel } from '../../core/approval-message';
import { html } from '../../core/html';
import type { ApprovalRequest, Decision } from '../../core/pipeline-types';
import { page, utc } from './document';

export interface FormState {
  /** Where the form posts: the link's own query, so the POST carries the same signature. */
  action: string;
  approver?: string;
  comment?: string;
  /** Why the last POST was refused. */
  error?: string;
}

export function approvalFormPage(request: ApprovalRequest, form: FormState): string {
  const r = request;
  const title = approvalHeadline(r);
  const targets = r.targets.map(
    (t) => html`<tr><td class="mono">${t.account}</td><td class="mono">${t.region}</td>
<td class="mono">${t.what}</td><td class="mono">${t.runs}</td></tr>`,
  );
  const ships = r.template
    ? html`<dt>Template</dt><dd><code>${templateLabel(r.template)}</code></dd>`
    : r.image
      ? html`<dt>Image</dt><dd><code>${r.image.repositoryUri}</code></dd>
<dt>Digest</dt><dd><code>${r.image.digest}</code></dd>`
      : null;
  const count = `${r.targets.length} target${r.targets.length === 1 ? '' : 's'}`;
  return page(
    title,
    html`<h1>${title}</h1>
<p class="lead">${
      r.template
        ? html`Provisions ${count} of ${r.environment} from ${templateLabel(r.template)}.`
        : html`Deploys commit <code>${shortCommit(r.commit)}</code> of ${r.serviceName} to ${count} in ${r.environment}.`
    } Decide by ${utc(r.expiresAt)}.</p>
<dl>
<dt>Service</dt><dd>${r.serviceName}</dd>
<dt>Environment</dt><dd>${r.environment}</dd>
<dt>Commit</dt><dd><code>${r.commit}</code></dd>
<dt>Author</dt><dd>${r.author}</dd>
<dt>Message</dt><dd><pre class="message">${r.message.trim()}</pre></dd>
${ships}
<dt>Expires</dt><dd>${utc(r.expiresAt)}</dd>
</dl>
<h2>${r.runsFrom === 'ledger' ? 'Targets and what crossdeploy last deployed to each' : 'Targets and what each runs now'}</h2>
<table>
<thead><tr><th>Account</th><th>Region</th><th>${r.template ? 'Stack' : 'Cluster/service'}</th><th>Runs now</th></tr></thead>
<tbody>${targets}</tbody>
</table>
<form method="post" action="${form.action}">
${form.error ? html`<p class="error" role="alert">${form.error}</p>` : null}
<label for="approver">Your name or e-mail</label>
<input type="text" id="approver" name="approver" required maxlength="200" autocomplete="email"
 value="${form.approver ?? ''}">
<label for="comment">Comment <span>(optional, recorded with the decision)</span></label>
<textarea id="comment" name="comment" maxlength="2000">${form.comment ?? ''}</textarea>
<div class="buttons">
<button class="approve" type="submit" name="decision" value="approve">Approve</button>
<button class="reject" type="submit" name="decision" value="reject">Reject</button>
</div>
<p class="note">Your decision is final: this link works once. Approval <code>${r.approvalId}</code>,
pipeline <code>${r.pipelineId}</code>.</p>
</form>`,
  );
}

export function decidedPage(request: ApprovalRequest, decision: Decision, approver: string): string {
  const r = request;
  const what = `${r.serviceName} ${shortCommit(r.commit)}`;
  const title = decision === 'approve' ? 'Approved — the pipeline resumes' : 'Rejected — the pipeline resumes';
  const next =
    decision === 'approve'
      ? html`${what} now deploys to ${r.environment}.`
      : html`${what} will not deploy to ${r.environment}; the pipeline stops.`;
  return page(title, html`<h1>${title}</h1><p class="lead">${next} Recorded as decided by ${approver}.</p>`);
}

/** 409: the link was used, or a newer commit replaced the approval. */
export function closedPage(record: ApprovalRecord): string {
  if (record.status === 'superseded') {
    const by = record.supersededBy;
    const title = 'Superseded — nothing changed';
    const newer = by
      ? html`a newer commit, <code>${shortCommit(by.commit)}</code> (pipeline <code>${by.pipelineId}</code>),`
      : html`a newer commit`;
    return page(
      title,
      html`<h1>${title}</h1><p class="lead">This approval was superseded: ${newer} replaced it, and its pipeline
stopped waiting. Decide on the newer commit's approval instead.</p>`,
    );
  }
  const verb = record.status === 'approved' ? 'approved' : 'rejected';
  const title = `Already ${verb} — nothing changed`;
  return page(
    title,
    html`<h1>${title}</h1><p class="lead">This approval was ${verb} by ${record.decidedBy ?? 'someone'}
${record.decidedAt ? html`on ${utc(record.decidedAt)}` : null}. An approval link works once.</p>
${record.comment ? html`<p>Comment: ${record.comment}</p>` : null}`,
  );
}

/** 403. */
export function tamperedPage(): string {
  const title = 'This link is not valid — nothing changed';
  return page(
    title,
    html`<h1>${title}</h1><p class="lead">The link was changed or cut short, so crossdeploy cannot tell which
approval it is for. Open the link from the approval message exactly as it was sent.</p>`,
  );
}

/** 410. */
export function expiredPage(expiredAt: Date): string {
  const title = 'This link has expired — nothing changed';
  return page(
    title,
    html`<h1>${title}</h1><p class="lead">The approval closed on ${utc(expiredAt.toISOString())}; the pipeline
stopped waiting for it. Push again, or restart the pipeline, to ask for a new approval.</p>`,
  );
}

/** 404: a signed link whose record is gone (TTL removes approvals after they expire). */
export function notFoundPage(): string {
  const title = 'No such approval — nothing changed';
  return page(title, html`<h1>${title}</h1><p class="lead">This approval does not exist (any longer).</p>`);
}

/** 503: the decision could not be handed to the pipeline and was taken back. */
export function unavailablePage(): string {
  const title = 'Not recorded — please try again';
  return page(
    title,
    html`<h1>${title}</h1><p class="lead">Your decision could not be handed to the pipeline, so it was not
recorded and the approval is still open. Go back and submit it again in a moment.</p>`,
  );
}

export function methodNotAllowedPage(method: string): string {
  const title = 'Method not allowed — nothing changed';
  return page(title, html`<h1>${title}</h1><p class="lead">${method} is not something this page answers.</p>`);
}

export function serverErrorPage(): string {
  const title = 'Something went wrong';
  return page(
    title,
    html`<h1>${title}</h1><p class="lead">crossdeploy could not answer. If you submitted a decision, open the
link again to see whether it was recorded.</p>`,
  );
}
