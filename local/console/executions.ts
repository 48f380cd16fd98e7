import type { PipelineExecution } from '../../aws/executions';
import { shortCommit } from '../../core/approval-message';
import { type Html, html } from '../../core/html';
import { formatElapsed } from '../../core/timeline';
import { badge, executionHref, utcSeconds } from './layout';

/** Pipeline executions, newest first: each one links to its own page. */
export function executionsSection(executions: PipelineExecution[] | Error): Html {
  if (executions instanceof Error) return unavailable('Executions', 'executions', executions);
  const rows = executions.map(
    (e) => html`<tr>
  <td>${badge(e.status)}</td>
  <td><a class="mono" href="${executionHref(e.executionArn)}">${e.name}</a>${
    e.reason ? html`<div class="reason">${e.reason}</div>` : undefined
  }</td>
  <td>${e.service ?? '?'}</td>
  <td>${e.branch ?? '?'}</td>
  <td class="mono nowrap" title="${e.commit ?? ''}">${e.commit === null ? '?' : shortCommit(e.commit)}</td>
  <td class="nowrap">${utcSeconds(e.startedAt)}</td>
  <td class="num">${e.durationMs === null ? 'running' : formatElapsed(e.durationMs)}</td>
</tr>`,
  );
  return html`<section id="executions">
<h2>Executions</h2>
${
  rows.length === 0
    ? html`<p class="empty">No pipeline has run yet: push a commit (<span class="mono">npx crossdeploy push</span>).</p>`
    : html`<table>
<thead><tr><th>STATUS</th><th>EXECUTION</th><th>SERVICE</th><th>BRANCH</th><th>COMMIT</th><th>STARTED</th><th>DURATION</th></tr></thead>
<tbody>${rows}</tbody>
</table>`
}
</section>`;
}

/** A section whose source could not be read: the rest of the page still shows. */
export function unavailable(title: string, id: string, error: Error): Html {
  return html`<section id="${id}">
<h2>${title}</h2>
<p class="error">Cannot read this now: ${error.name}: ${error.message}</p>
</section>`;
}
