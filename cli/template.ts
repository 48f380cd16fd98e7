// `crossdeploy template check`: what a platform team runs on its templates folder before anyone deploys from it.
// Every version must follow the layout, have a readable input schema and a template cfn-lint passes, and every
// minor must keep its major's inputs.

import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { catalogOf, incompatibleMinors, type PublishedTemplate } from '../core/templates/catalog';
import { type InputSchema, inputSchemaOf } from '../core/templates/inputs';
import { formatVersion, type TemplateVersion } from '../core/templates/version';
import type { CliIo } from './io';
import { parsedOrUsage, usageError } from './usage';

const USAGE = [
  'usage: crossdeploy template check [--dir templates]',
  '',
  'Checks a templates folder: templates/<environments|services>/<name>/vN.M/ with template.yaml (CloudFormation,',
  'linted with cfn-lint) and schema.json (the JSON Schema of its inputs). A minor version must accept every input',
  'the minor before it accepted; a new major may change them.',
].join('\n');

export async function run(args: string[], io: CliIo): Promise<number> {
  const parsed = parsedOrUsage(
    'template',
    USAGE,
    () =>
      parseArgs({
        args,
        allowPositionals: true,
        options: { dir: { type: 'string', default: 'templates' }, help: { type: 'boolean', short: 'h' } },
      }),
    io,
  );
  if (typeof parsed === 'number') return parsed;
  if (parsed.values.help) {
    io.out(USAGE);
    return 0;
  }
  const [action, ...extra] = parsed.positionals;
  if (action !== 'check' || extra.length > 0) return usageError('template', USAGE, 'say what to do: check', io);
  const dir = resolve(io.cwd, parsed.values.dir);
  if (!isDirectory(dir)) {
    io.err(`crossdeploy template: no templates folder at ${parsed.values.dir}`);
    return 1;
  }
  const { templates, problems } = checkTemplates(dir);
  for (const problem of problems) io.err(`${parsed.values.dir}/${problem}`);
  if (problems.length > 0) return 1;
  for (const template of templates) {
    io.out(`${template.kind}/${template.name}  ${template.versions.map(formatVersion).join(' ')}`);
  }
  const versions = templates.reduce((n, t) => n + t.versions.length, 0);
  io.out(`${parsed.values.dir} is valid: ${count(templates.length, 'template')}, ${count(versions, 'version')}`);
  return 0;
}

function checkTemplates(dir: string): { templates: PublishedTemplate[]; problems: string[] } {
  const catalog = catalogOf(filesUnder(dir).map((file) => relative(dir, file).split(sep).join('/')));
  const problems = [...catalog.problems];
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
  }
  const yamls = catalog.templates.flatMap((t) => t.versions.map((v) => pathOf(t, v, 'template.yaml')));
  problems.push(...lint(dir, yamls));
  return { templates: catalog.templates, problems };
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

const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
