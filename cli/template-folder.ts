// What `template check` checks and `template publish` checks before it writes anything: every version follows
// the layout, has a readable input schema, a template cfn-lint passes and CloudFormation takes, and every minor
// keeps its major's inputs.

import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { catalogOf, incompatibleMinors, type PublishedTemplate, type TemplateKind } from '../core/templates/catalog';
import { type InputSchema, inputSchemaOf } from '../core/templates/inputs';
import { templateBodyProblem } from '../core/templates/registry';
import { formatVersion, type TemplateVersion } from '../core/templates/version';
import type { CliIo } from './io';

/** One version of the folder, read: its template and its input schema. */
export interface FolderVersion {
  kind: TemplateKind;
  name: string;
  version: string;
  body: string;
  schema: InputSchema;
}

export interface CheckedFolder {
  templates: PublishedTemplate[];
  /** Every version, template by template, oldest first. */
  versions: FolderVersion[];
}

/**
 * Checks the templates folder `dir` names (relative to the working directory). Prints each problem, under the
 * folder as the user wrote it, and gives exit code 1 when there is any.
 */
export function checkedTemplatesFolder(command: string, dir: string, io: CliIo): CheckedFolder | number {
  const root = resolve(io.cwd, dir);
  if (!isDirectory(root)) {
    io.err(`crossdeploy ${command}: no templates folder at ${dir}`);
    return 1;
  }
  const { problems, ...checked } = checkTemplates(root);
  for (const problem of problems) io.err(`${dir}/${problem}`);
  return problems.length > 0 ? 1 : checked;
}

function checkTemplates(dir: string): CheckedFolder & { problems: string[] } {
  const catalog = catalogOf(filesUnder(dir).map((file) => relative(dir, file).split(sep).join('/')));
  const problems = [...catalog.problems];
  const versions: FolderVersion[] = [];
  const pathOf = (t: PublishedTemplate, v: TemplateVersion, file: string) =>
    `${t.kind}/${t.name}/${formatVersion(v)}/${file}`;
  for (const template of catalog.templates) {
    const schemas = new Map<string, InputSchema>();
    for (const version of template.versions) {
      const path = pathOf(template, version, 'schema.json');
      try {
        schemas.set(formatVersion(version), inputSchemaOf(readFileSync(join(dir, path), 'utf8'), path));
      } catch (error) {
        problems.push((error as Error).message);
      }
    }
    if (schemas.size === template.versions.length) {
      problems.push(...incompatibleMinors(template, (v) => schemas.get(formatVersion(v)) as InputSchema));
    }
    for (const version of template.versions) {
      const path = pathOf(template, version, 'template.yaml');
      const body = readFileSync(join(dir, path), 'utf8');
      const tooLarge = templateBodyProblem(body, path);
      if (tooLarge) problems.push(tooLarge);
      const schema = schemas.get(formatVersion(version));
      if (schema) {
        versions.push({ kind: template.kind, name: template.name, version: formatVersion(version), body, schema });
      }
    }
  }
  const yamls = catalog.templates.flatMap((t) => t.versions.map((v) => pathOf(t, v, 'template.yaml')));
  problems.push(...lint(dir, yamls));
  return { templates: catalog.templates, versions, problems };
}

// cfn-lint checks the templates offline, against the resource specifications it ships with.
function lint(dir: string, templates: string[]): string[] {
  const present = templates.filter((t) => isFile(join(dir, t)));
  if (present.length === 0) return [];
  const linted = spawnSync('cfn-lint', ['--format', 'parseable', '--', ...present], { cwd: dir, encoding: 'utf8' });
  if (linted.error) return [`cfn-lint could not run (${linted.error.message}): install it with pip install cfn-lint`];
  return linted.stdout
    .split('\n')
    .filter((finding) => finding.trim() !== '')
    .map((finding) => {
      // parseable: <file>:<line>:<column>:<end line>:<end column>:<rule>:<message>
      const [file, line, , , , rule, ...message] = finding.split(':');
      return `${file}:${line}: ${rule} ${message.join(':')}`;
    });
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((entry) => join(dir, entry))
    .filter(isFile);
}

const isFile = (path: string) => statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;
const isDirectory = (path: string) => statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;

export const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
