// The approval page's one self-contained document: inline style only, because the Content-Security-Policy
// forbids everything else, and no script at all.

import { Html, html } from '../../core/html';

/** `2030-01-02T03:04:05.000Z` → `2030-01-02 03:04 UTC`: approvers sit in many time zones, so say which. */
export function utc(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

const STYLE = `
  :root { color-scheme: light; --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; --ok: #1a7f37; --no: #cf222e; }
  * { box-sizing: border-box; }
  body { margin: 0; background: #f6f8fa; color: var(--ink);
    font: 15px/1.5 -apple-system, BlinkMacSystemFont, "Segoe UI", Helvetica, Arial, sans-serif; }
  main { max-width: 880px; margin: 32px auto; padding: 28px 32px; background: #fff;
    border: 1px solid var(--line); border-radius: 8px; }
  h1 { font-size: 22px; margin: 0 0 4px; }
  h2 { font-size: 16px; margin: 28px 0 8px; }
  p.lead { color: var(--muted); margin: 0 0 20px; }
  code, .mono { font: 13px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; overflow-wrap: anywhere; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: 6px 18px; margin: 0; }
  dt { color: var(--muted); }
  dd { margin: 0; min-width: 0; }
  pre.message { margin: 0; white-space: pre-wrap; font: inherit; }
  table { width: 100%; border-collapse: collapse; }
  th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
  th { color: var(--muted); font-weight: 600; font-size: 13px; }
  form { margin-top: 28px; padding-top: 20px; border-top: 1px solid var(--line); }
  label { display: block; font-weight: 600; margin: 14px 0 4px; }
  label span { font-weight: 400; color: var(--muted); }
  input[type=text], textarea { width: 100%; padding: 8px 10px; font: inherit; border: 1px solid var(--line);
    border-radius: 6px; }
  textarea { min-height: 72px; }
  .buttons { display: flex; gap: 12px; margin-top: 18px; }
  button { font: inherit; font-weight: 600; padding: 9px 22px; border-radius: 6px; border: 1px solid; cursor: pointer; }
  button.approve { background: var(--ok); border-color: var(--ok); color: #fff; }
  button.reject { background: #fff; border-color: var(--no); color: var(--no); }
  .note { color: var(--muted); font-size: 13px; margin-top: 14px; }
  .error { color: var(--no); font-weight: 600; }
  .verdict { font-size: 13px; font-weight: 700; letter-spacing: .04em; text-transform: uppercase; color: var(--muted); }
`;

/** A whole document: the title is also the page's heading. */
export function page(title: string, body: Html): string {
  return `<!doctype html>${html`<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${title} · crossdeploy</title>
<style>${new Html(STYLE)}</style>
</head>
<body><main>
${body}
</main></body>
</html>
`}`;
}
