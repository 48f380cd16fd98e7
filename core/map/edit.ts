// Changes to a map file that crossdeploy makes for the platform team (`template upgrade`): each one replaces the
// exact characters of one YAML value in the file's text, so comments, key order and formatting stay as the team
// wrote them, and the change reads as a one-line diff in review.

import { isScalar, parseDocument } from 'yaml';

export interface TemplateVersionEdit {
  /** `environments` or `services`: where the map says which template the instance uses. */
  section: 'environments' | 'services';
  /** The environment's or the service's name. */
  instance: string;
  version: string;
}

export function withTemplateVersions(mapText: string, edits: readonly TemplateVersionEdit[]): string {
  const document = parseDocument(mapText);
  if (document.errors.length > 0) throw new Error(`the map is not YAML: ${document.errors[0]?.message}`);
  const replacements = edits.map(({ section, instance, version }) => {
    const node = document.getIn([section, instance, 'template', 'version'], true);
    if (!isScalar(node) || !node.range) throw new Error(`${section}.${instance} names no template to upgrade`);
    const [start, end] = node.range;
    return { start, end, text: version };
  });
  // From the end of the file backwards, so each range still points where it did.
  return replacements
    .sort((a, b) => b.start - a.start)
    .reduce((text, r) => text.slice(0, r.start) + r.text + text.slice(r.end), mapText);
}
