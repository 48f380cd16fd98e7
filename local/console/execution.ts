import type { ExecutionTree } from '../../aws/executions';
import { type Html, html } from '../../core/html';
import { formatElapsed, type TimelineRow } from '../../core/timeline';
import { badge, executionHref, utcSeconds } from './layout';

/** One execution state by state, with why it failed first and its nested executions under it. */
export function executionBody(tree: ExecutionTree): Html {
  return html`<p><a href="/">← all executions</a></p>
<section>${block(tree, 0)}</section>`;
}

/** Whether anything on the page still runs: then it reloads itself. */
export function stillRunning(tree: ExecutionTree): boolean {
  return tree.status === 'RUNNING' || tree.children.some(stillRunning);
}

/**
 * An execution and, indented under it, the ones it started. Below the first level, a nested execution that
 * succeeded stays folded: a wave of many targets should not bury the one that failed.
 */
function block(tree: ExecutionTree, level: number): Html {
  const took = tree.durationMs === null ? 'running' : formatElapsed(tree.durationMs);
  const heading =
    level === 0
      ? html`<h1>${tree.name}</h1>`
      : html`<h2><a class="mono" href="${executionHref(tree.executionArn)}">${tree.name}</a></h2>`;
  const failure = tree.timeline.failure;
  const content = html`${heading}
<p class="lead">${badge(tree.status)} ${tree.stateMachine} · started ${utcSeconds(tree.startedAt)} · ${took}</p>
${
  failure
    ? html`<div class="failure"><p>${failure.inPlainWords}</p>
<details><summary>error and cause, as the step wrote them</summary>
<p class="mono">${failure.error ?? 'no error name'}</p><p class="mono">${failure.cause ?? 'no cause'}</p></details></div>`
    : undefined
}
${timelineTable(tree)}
${tree.children.map((child) => html`<div class="child">${block(child, level + 1)}</div>`)}`;
  if (level > 1 && tree.status === 'SUCCEEDED') {
    return html`<details><summary>${badge(tree.status)} <span class="mono">${tree.name}</span> · ${took}</summary>${content}</details>`;
  }
  return content;
}

function timelineTable(tree: ExecutionTree): Html {
  const started = Date.parse(tree.startedAt);
  const rows = tree.timeline.rows;
  const end = Math.max(
    started + (tree.durationMs ?? 0),
    ...rows.map((r) => Date.parse(r.exitedAt ?? r.enteredAt)),
    started + 1,
  );
  const span = end - started;
  return html`<table>
<thead><tr><th>STATE</th><th>TYPE</th><th>AT</th><th>DURATION</th><th>OUTCOME</th><th>WHEN</th><th>DETAIL</th></tr></thead>
<tbody>${rows.map((row) => rowOf(row, started, span))}</tbody>
</table>`;
}

function rowOf(row: TimelineRow, started: number, span: number): Html {
  const at = Date.parse(row.enteredAt) - started;
  const left = (100 * at) / span;
  const width = (100 * (row.durationMs ?? span - at)) / span;
  const child = row.childExecutionArn;
  return html`<tr>
  <td>${row.state}</td>
  <td>${row.type}</td>
  <td class="num">+${formatElapsed(at)}</td>
  <td class="num">${row.durationMs === null ? '' : formatElapsed(row.durationMs)}</td>
  <td class="${row.outcome}">${row.outcome}</td>
  <td><div class="bar ${row.outcome}"><span style="left: ${left.toFixed(2)}%; width: ${width.toFixed(2)}%"></span></div></td>
  <td>${row.error ? html`<span class="mono">${row.error}</span> ` : undefined}${
    child ? html`started <a class="mono" href="${executionHref(child)}">${child.split(':').pop()}</a>` : undefined
  }</td>
</tr>`;
}
