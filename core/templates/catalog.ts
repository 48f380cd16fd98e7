// What a platform team's templates folder holds: `templates/<environments|services>/<name>/vN.M/` with a
// `template.yaml` (CloudFormation) and a `schema.json` (its inputs), read from the folder's file list. Publishing
// refuses a folder that does not follow the layout, and a minor version that breaks its major's inputs.

import { breakingChanges } from './compatibility';
import type { InputSchema } from './inputs';
import { compareVersions, formatVersion, parseVersion, type TemplateVersion } from './version';

export const TEMPLATE_KINDS = ['environments', 'services'] as const;
export type TemplateKind = (typeof TEMPLATE_KINDS)[number];

/** The two files every version has. */
export const VERSION_FILES = ['template.yaml', 'schema.json'] as const;

export interface PublishedTemplate {
  kind: TemplateKind;
  name: string;
  /** Oldest first; a version missing one of its files is only a problem. */
  versions: TemplateVersion[];
}

export interface Catalog {
  templates: PublishedTemplate[];
  /** Files out of place and versions missing a file, each as `<path>: <why>`. */
  problems: string[];
}

/** A template's name: the folder it lives in, and what the map calls it. */
export const TEMPLATE_NAME = /^[a-z][a-z0-9-]{0,62}$/;

/** Reads the folder's file list (paths relative to it, `/`-separated) into its templates and their versions. */
export function catalogOf(paths: readonly string[]): Catalog {
  const problems: string[] = [];
  const found = new Map<string, { kind: TemplateKind; name: string; versions: Map<string, Set<string>> }>();
  for (const path of [...paths].sort()) {
    const [kind, name, version, file, ...rest] = path.split('/');
    if (!TEMPLATE_KINDS.includes(kind as TemplateKind) || rest.length > 0 || file === undefined) {
      problems.push(`${path}: templates live at <environments|services>/<name>/vN.M/<file>`);
      continue;
    }
    if (!TEMPLATE_NAME.test(name ?? '')) {
      problems.push(`${path}: "${name}" is not a template name (lower-case letters, digits and hyphens)`);
      continue;
    }
    try {
      parseVersion(version ?? '');
    } catch (error) {
      problems.push(`${path}: ${(error as Error).message}`);
      continue;
    }
    if (!(VERSION_FILES as readonly string[]).includes(file)) {
      problems.push(`${path}: a version holds ${VERSION_FILES.join(' and ')} only`);
      continue;
    }
    const key = `${kind}/${name}`;
    const template = found.get(key) ?? { kind: kind as TemplateKind, name: name as string, versions: new Map() };
    found.set(key, template);
    const files = template.versions.get(version as string) ?? new Set<string>();
    template.versions.set(version as string, files.add(file));
  }
  const templates: PublishedTemplate[] = [];
  for (const { kind, name, versions } of found.values()) {
    const complete: TemplateVersion[] = [];
    for (const [version, files] of versions) {
      const missing = VERSION_FILES.filter((f) => !files.has(f));
      for (const file of missing) problems.push(`${kind}/${name}/${version}: ${file} is missing`);
      if (missing.length === 0) complete.push(parseVersion(version));
    }
    templates.push({ kind, name, versions: complete.sort(compareVersions) });
  }
  return { templates, problems };
}

/** Each minor that breaks the inputs of the minor before it in its major, as `<kind>/<name>/vN.M: <what breaks>`. */
export function incompatibleMinors(
  template: PublishedTemplate,
  schemaOf: (version: TemplateVersion) => InputSchema,
): string[] {
  const problems: string[] = [];
  template.versions.forEach((version, i) => {
    const previous = template.versions[i - 1];
    if (previous === undefined || previous.major !== version.major) return;
    const where = `${template.kind}/${template.name}/${formatVersion(version)}`;
    for (const change of breakingChanges(schemaOf(previous), schemaOf(version))) {
      problems.push(
        `${where}: ${change} since ${formatVersion(previous)} (a minor version keeps its major's inputs; publish v${version.major + 1}.0 instead)`,
      );
    }
  });
  return problems;
}
