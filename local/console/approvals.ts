import { shortCommit } from '../../core/approval-message';
import { type Html, html } from '../../core/html';
import { unavailable } from './executions';
import { executionHref, utcSeconds } from './layout';

/** A deployment waiting at an approval gate, with the signed link its approvers were sent. */
export interface PendingApproval {
  approvalId: string;
  service: string;
  environment: string;
  commit: string;
  author: string;
  /** The commit message's first line. */
  subject: string;
  requestedAt: string;
  expiresAt: string;
  link: string;
  executionArn: string;
}

export function approvalsSection(pending: PendingApproval[] | Error): Html {
  if (pending instanceof Error) return unavailable('Pending approvals', 'approvals', pending);
  const rows = pending.map(
    (a) => html`<tr>
  <td>${a.service}</td>
  <td>${a.environment}</td>
  <td class="mono nowrap" title="${a.commit}">${shortCommit(a.commit)}</td>
  <td>${a.subject}<br><span class="lead">${a.author}</span></td>
  <td class="nowrap">${utcSeconds(a.requestedAt)}</td>
  <td class="nowrap">${utcSeconds(a.expiresAt)}</td>
  <td><a href="${a.link}">approval page</a> · <a href="${executionHref(a.executionArn)}">execution</a></td>
</tr>`,
  );
  return html`<section id="approvals">
<h2>Pending approvals</h2>
${
  rows.length === 0
    ? html`<p class="empty">Nothing waits for an approver.</p>`
    : html`<p class="lead">Opening a link decides nothing: the page asks first. Links work once.</p>
<table>
<thead><tr><th>SERVICE</th><th>ENVIRONMENT</th><th>COMMIT</th><th>CHANGE</th><th>REQUESTED</th><th>EXPIRES</th><th></th></tr></thead>
<tbody>${rows}</tbody>
</table>`
}
</section>`;
}
