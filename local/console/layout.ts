// The console's one document: inline style only, no script, every value escaped by the `html` tag.

import { executionLink } from '../../core/console-link';
import { Html, html } from '../../core/html';

/** Served with every console page: nothing but the page's own inline style may load or run. */
export const CONSOLE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
};

const STYLE = `
  :root { color-scheme: light; --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; --ok: #1a7f37; --no: #cf222e;
    --run: #0969da; --warn: #9a6700; --soft: #f6f8fa; }
  * { box-sizing: border-box; }
  body { margin: 0; background: var(--soft); color: var(--ink);
    font: 14px/1.5 -apple-system, BlinkMacSystemFont, "Segoe UI", Helvetica, Arial, sans-serif; }
  header { background: #24292f; color: #fff; padding: 10px 28px; display: flex; gap: 24px; align-items: baseline; }
  header strong { font-size: 16px; }
  header a { color: #d1d9e0; text-decoration: none; }
  main { max-width: 1180px; margin: 20px auto; padding: 0 20px; }
  section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 16px 20px; margin-bottom: 18px; }
  h1 { font-size: 20px; margin: 0 0 4px; overflow-wrap: anywhere; }
  h2 { font-size: 15px; margin: 0 0 10px; }
  a { color: var(--run); }
  p.lead { color: var(--muted); margin: 0 0 12px; }
  .empty { color: var(--muted); margin: 0; }
  .mono { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; overflow-wrap: anywhere; }
  table { width: 100%; border-collapse: collapse; }
  th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
  th { color: var(--muted); font-weight: 600; font-size: 12px; white-space: nowrap; }
  td.num { text-align: right; white-space: nowrap; }
  td.nowrap { white-space: nowrap; overflow-wrap: normal; }
  .badge { display: inline-block; font-size: 11px; font-weight: 700; letter-spacing: .03em; padding: 1px 7px;
    border-radius: 10px; border: 1px solid; white-space: nowrap; }
  .SUCCEEDED, .succeeded, .in-step { color: var(--ok); }
  .FAILED, .failed, .TIMED_OUT, .drift, .error, .service-not-found, .role-not-assumable { color: var(--no); }
  .RUNNING, .running, .deploying { color: var(--run); }
  .ABORTED, .aborted, .caught, .retried, .never-deployed { color: var(--warn); }
  .failure { border-left: 4px solid var(--no); background: #ffebe9; padding: 10px 14px; margin: 10px 0 14px;
    border-radius: 4px; }
  .failure p { margin: 0; font-weight: 600; }
  .reason { color: var(--no); font-size: 12px; max-width: 520px; }
  details { margin-top: 6px; }
  summary { cursor: pointer; color: var(--muted); }
  .bar { position: relative; height: 10px; min-width: 160px; background: var(--soft); border-radius: 3px; }
  .bar span { position: absolute; top: 0; height: 10px; border-radius: 3px; background: currentColor; min-width: 2px; }
  .child { margin: 14px 0 0 18px; padding-left: 14px; border-left: 2px solid var(--line); }
`;

/** A whole document; the title also names the browser tab. A page that shows something running reloads itself. */
export function consolePage(title: string, body: Html, options: { refreshSeconds?: number } = {}): string {
  const refresh = options.refreshSeconds
    ? html`<meta http-equiv="refresh" content="${options.refreshSeconds}">`
    : undefined;
  return `<!doctype html>${html`<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
${refresh}
<title>${title} · crossdeploy local</title>
<style>${new Html(STYLE)}</style>
</head>
<body>
<header><strong>crossdeploy local</strong><a href="/">Executions</a><a href="/#approvals">Approvals</a><a href="/#status">Status</a></header>
<main>
${body}
</main>
</body>
</html>
`}`;
}

/** `2030-01-02T03:04:05.678Z` → `2030-01-02 03:04:05 UTC`. */
export function utcSeconds(iso: string): string {
  return `${iso.slice(0, 19).replace('T', ' ')} UTC`;
}

/** A status word as a coloured badge; the class is the word itself, so the style sheet colours it. */
export function badge(word: string): Html {
  return html`<span class="badge ${word}">${word.replaceAll('_', ' ').toLowerCase()}</span>`;
}

/** Where the console shows one execution: the address `core/console-link.ts` gives out, relative to the console. */
export function executionHref(executionArn: string): string {
  return executionLink(executionArn, '/');
}
