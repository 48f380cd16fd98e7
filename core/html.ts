// The smallest safe HTML toolkit, shared by the approval page and the local console: every value goes through
// `escapeHtml` unless it is `Html` already, so no page can forget to escape what anyone who can push wrote.

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** For every value that goes into markup: commit messages and author names are written by anyone who can push. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/** Markup that is already safe: built only by the `html` tag, whose values are escaped. */
export class Html {
  constructor(readonly markup: string) {}
  toString(): string {
    return this.markup;
  }
}

type Value = string | number | Html | Html[] | null | undefined | false;

/** A template tag that escapes every interpolated value unless it is `Html` already. */
export function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new Html(out);
}

function render(value: Value): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof Html) return value.markup;
  if (Array.isArray(value)) return value.map((v) => v.markup).join('');
  return escapeHtml(String(value));
}
