import { shortCommit } from '../../core/approval-message';
import { type Html, html } from '../../core/html';
import { templateStackText } from '../../core/stacks/template-status';
import type { StatusRow } from '../../core/status';
import { summaryOf } from '../../core/status';
import { unavailable } from './executions';
import { badge } from './layout';

/** The live revision, or an application stack's commit and status. */
function liveOf(r: StatusRow): string {
  if (!r.stack) return r.liveTaskDefinition ?? '—';
  if (!r.stack.status) return '—';
  return `${r.stack.version ? shortCommit(r.stack.version) : 'untagged'} (${r.stack.status})`;
}

/** What runs where, as `crossdeploy status` reports it. */
export function statusSection(rows: StatusRow[] | Error): Html {
  if (rows instanceof Error) return unavailable('Status', 'status', rows);
  const cells = rows.map(
    (r) => html`<tr>
  <td>${r.service}</td>
  <td>${r.environment}</td>
  <td class="mono">${r.account}/${r.region}</td>
  <td>${badge(r.state)}</td>
  <td class="mono nowrap" title="${r.commit ?? ''}">${r.commit === null ? '—' : shortCommit(r.commit)}</td>
  <td class="mono">${liveOf(r)}</td>
  <td class="mono">${templateStackText(r.environmentStack)}</td>
  <td class="mono">${templateStackText(r.serviceStack)}</td>
  <td>${r.detail}</td>
</tr>`,
  );
  return html`<section id="status">
<h2>Status</h2>
<p class="lead">${summaryOf(rows)}</p>
<table>
<thead><tr><th>SERVICE</th><th>ENVIRONMENT</th><th>TARGET</th><th>STATE</th><th>COMMIT</th><th>LIVE</th><th>ENV TEMPLATE</th><th>SVC TEMPLATE</th><th>DETAIL</th></tr></thead>
<tbody>${cells}</tbody>
</table>
</section>`;
}
