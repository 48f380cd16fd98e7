import { html } from '../../core/html';
import { approvalsSection } from './approvals';
import { executionBody, stillRunning } from './execution';
import { executionsSection } from './executions';
import { CONSOLE_HEADERS, consolePage } from './layout';
import type { ConsoleSources } from './sources';
import { statusSection } from './status';

export { type ConsoleSources, localConsoleSources } from './sources';

/** Pages that show something running reload themselves this often. */
const REFRESH_SECONDS = 5;

/**
 * `GET /`: executions, pending approvals and status; `GET /?execution=<arn>`: one execution. Reading only:
 * nothing here changes anything (approving happens on the approval page, behind its own form).
 */
export async function consoleAnswer(url: URL, sources: ConsoleSources, now: Date = new Date()) {
  const executionArn = url.searchParams.get('execution');
  if (executionArn !== null) {
    const tree = await sources.execution(executionArn);
    if (!tree) {
      const body = html`<section><h1>No such execution</h1><p class="mono">${executionArn}</p><p><a href="/">All executions</a></p></section>`;
      return { statusCode: 404, headers: CONSOLE_HEADERS, body: consolePage('No such execution', body) };
    }
    const refresh = stillRunning(tree) ? { refreshSeconds: REFRESH_SECONDS } : {};
    return { statusCode: 200, headers: CONSOLE_HEADERS, body: consolePage(tree.name, executionBody(tree), refresh) };
  }

  const [executions, approvals, status] = await Promise.all([
    settled(sources.executions()),
    settled(sources.pendingApprovals(now)),
    settled(sources.status()),
  ]);
  const running = Array.isArray(executions) && executions.some((e) => e.status === 'RUNNING');
  const body = html`${approvalsSection(approvals)}${executionsSection(executions)}${statusSection(status)}`;
  return {
    statusCode: 200,
    headers: CONSOLE_HEADERS,
    body: consolePage('Console', body, running ? { refreshSeconds: REFRESH_SECONDS } : {}),
  };
}

/** The value, or the error that kept it from being read. */
function settled<T>(read: Promise<T>): Promise<T | Error> {
  return read.catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
}
