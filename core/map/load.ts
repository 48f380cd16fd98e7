// Reads a deployment map and reports every problem at once, each with the YAML path and the line it is on,
// so `crossdeploy validate` can point at the spot instead of quoting zod.

import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { type Document, isAlias, isMap, isNode, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { isObject } from '../json';
import { applicationStackName, MAX_STACK_NAME, serviceStackName } from '../stacks/names';
import { DEPLOYMENT_PARAMETERS, type DeploymentParameter } from '../stacks/service-instance';
import type { TemplateKind } from '../templates/catalog';
import { checkInputs, inputSchemaOf } from '../templates/inputs';
import { templateUses } from '../templates/uses';
import { type DeploymentMap, DeploymentMapSchema, formatPath, parsePath, type Service } from './schema';

export interface MapError {
  /** `environments.prod.waves[0].targets[0].account`; empty for the document itself. */
  path: string;
  /** 1-based line of the node, or of its nearest parent when the key is missing. */
  line: number;
  message: string;
}

export type ParseResult = { ok: true; map: DeploymentMap } | { ok: false; errors: MapError[] };

export interface ParseOptions {
  /** Where the map lives: `taskDefinition` paths are resolved against its directory. */
  file?: string;
  /** Reads a `taskDefinition` template; defaults to the file system. */
  readFile?: (path: string) => string;
}

/** Thrown by `loadMapFile` when the map parses but does not validate. */
export class MapInvalid extends Error {
  override name = 'MapInvalid' as const;
  constructor(
    readonly file: string,
    readonly errors: MapError[],
  ) {
    super(
      `${file} is not a valid deployment map:\n` +
        errors.map((e) => `${file}:${e.line} ${e.path ? `${e.path}: ` : ''}${e.message}`).join('\n'),
    );
  }
}

export function loadMapFile(file: string): DeploymentMap {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(
      isMissing(error) ? `deployment map ${file} does not exist` : `cannot read deployment map ${file}: ${error}`,
      { cause: error },
    );
  }
  const result = parseMap(text, { file });
  if (!result.ok) throw new MapInvalid(file, result.errors);
  return result.map;
}

export function parseMap(text: string, opts: ParseOptions = {}): ParseResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  // Errors found at the end of input would point past the last line the author can see.
  const lineAt = (offset: number) => lineCounter.linePos(Math.min(offset, text.trimEnd().length)).line;
  if (doc.errors.length > 0) {
    return { ok: false, errors: doc.errors.map((e) => ({ path: '', line: lineAt(e.pos[0]), message: e.message })) };
  }

  let data: unknown;
  try {
    data = doc.toJS();
  } catch (error) {
    // Aliases resolve only here, so an unknown anchor or an alias bomb surfaces now, without a position.
    return { ok: false, errors: [{ path: '', line: 1, message: (error as Error).message }] };
  }

  const result = DeploymentMapSchema.safeParse(data, { error: requiredMessage });
  const errorAt = (path: ReadonlyArray<PropertyKey>, message: string): MapError => ({
    path: formatPath(path),
    line: lineOf(doc, path, lineAt),
    message,
  });
  if (!result.success) {
    const errors = result.error.issues.flatMap((issue) =>
      describeIssue(issue).map(({ path, message }) => errorAt(path, message)),
    );
    return { ok: false, errors: errors.sort((a, b) => a.line - b.line) };
  }

  const errors: MapError[] = [];
  for (const [name, service] of Object.entries(result.data.services)) {
    const problem = loadTemplate(service, opts);
    if (problem) errors.push(errorAt(['services', name, 'taskDefinition'], problem));
  }
  const templates = besideMap(opts, result.data.templates);
  for (const { kind, instance, template } of templateUses<TemplateUse>(result.data)) {
    for (const problem of checkTemplateInputs(kind, template, templates, opts)) {
      errors.push(errorAt([kind, instance, 'template', ...problem.path], problem.message));
    }
  }
  // After the schemas' defaults are in: a default may set what the deployment gives the template as well.
  for (const problem of serviceInstanceProblems(result.data)) errors.push(errorAt(problem.path, problem.message));
  return errors.length > 0
    ? { ok: false, errors: errors.sort((a, b) => a.line - b.line) }
    : { ok: true, map: result.data };
}

/**
 * Where places in the parsed map (paths as formatPath writes them) are in the map's text, parsed once: each one's
 * line, and its path in the author's words. An environment written with the `targets` shorthand has one wave,
 * which the parsed map calls `waves[0]` and the author `targets`. A path the text does not have points at its
 * nearest parent's line.
 */
export function locator(text: string): (path: string) => { path: string; line: number } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const lineAt = (offset: number) => lineCounter.linePos(Math.min(offset, text.trimEnd().length)).line;
  return (path) => locateIn(doc, lineAt, path);
}

function locateIn(doc: Document, lineAt: (offset: number) => number, path: string): { path: string; line: number } {
  let segments: PropertyKey[] = parsePath(path);
  const [root, environment, waves, index, ...rest] = segments;
  if (root === 'environments' && waves === 'waves' && index === 0 && environment !== undefined) {
    const written = doc.getIn(['environments', environment]);
    if (isMap(written) && !written.has('waves') && written.has('targets')) {
      segments = ['environments', environment, 'targets', ...(rest[0] === 'targets' ? rest.slice(1) : [])];
    }
  }
  return { path: formatPath(segments), line: lineOf(doc, segments, lineAt) };
}

function requiredMessage(issue: z.core.$ZodRawIssue): string | undefined {
  return issue.code === 'invalid_type' && issue.input === undefined ? 'required' : undefined;
}

/** One issue per offending key, so each gets its own line. */
function describeIssue(issue: z.core.$ZodIssue): Array<{ path: PropertyKey[]; message: string }> {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ path: [...issue.path, key], message: `unknown key "${key}"` }));
  }
  if (issue.code === 'invalid_key') {
    const name = String(issue.path.at(-1));
    return [{ path: issue.path, message: `invalid name "${name}": ${issue.issues.map((i) => i.message).join('; ')}` }];
  }
  return [{ path: issue.path, message: issue.message }];
}

// Map keys point at the key's line (where the setting is named); sequence items at the item's.
function lineOf(doc: Document, path: ReadonlyArray<PropertyKey>, lineAt: (offset: number) => number): number {
  let node: unknown = doc.contents;
  let line = isNode(node) && node.range ? lineAt(node.range[0]) : 1;
  for (const segment of path) {
    if (isAlias(node)) node = node.resolve(doc);
    let next: { at: unknown; value: unknown } | undefined;
    if (isMap(node)) {
      const pair = node.items.find((p) => String(isScalar(p.key) ? p.key.value : p.key) === String(segment));
      next = pair && { at: pair.key, value: pair.value };
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment];
      next = item === undefined ? undefined : { at: item, value: item };
    }
    if (!next) break;
    if (isNode(next.at) && next.at.range) line = lineAt(next.at.range[0]);
    node = next.value;
  }
  return line;
}

/** Fills in `taskDefinitionTemplate`; returns what is wrong with the template, if anything. */
function loadTemplate(service: Service, opts: ParseOptions): string | undefined {
  if (service.taskDefinition === undefined) return undefined;
  const file = besideMap(opts, service.taskDefinition);
  let template: unknown;
  try {
    template = JSON.parse((opts.readFile ?? ((path) => readFileSync(path, 'utf8')))(file));
  } catch (error) {
    if (isMissing(error)) return `task definition template ${file} does not exist`;
    return `cannot load task definition template ${file}: ${error instanceof Error ? error.message : error}`;
  }
  if (!isObject(template)) return `task definition template ${file} must be a JSON object`;
  const containers = Array.isArray(template.containerDefinitions)
    ? template.containerDefinitions.map((c: unknown) => (isObject(c) ? c.name : undefined))
    : [];
  if (!containers.includes(service.container)) {
    return (
      `task definition template ${file} has no container "${service.container}" in containerDefinitions ` +
      `(containers: ${containers.filter(Boolean).join(', ') || 'none'})`
    );
  }
  service.taskDefinitionTemplate = template;
  return undefined;
}

type Path = Array<string | number>;
type TemplateUse = { name: string; version: string; inputs: Record<string, unknown> };

/**
 * Checks a template's inputs as the map gives them against the version's `schema.json` in the templates folder,
 * and fills in the schema's defaults. Each problem's path is below the map's `template` key.
 */
function checkTemplateInputs(
  kind: TemplateKind,
  use: TemplateUse,
  templates: string,
  opts: ParseOptions,
): { path: Path; message: string }[] {
  const file = join(templates, kind, use.name, use.version, 'schema.json');
  let text: string;
  try {
    text = (opts.readFile ?? ((path) => readFileSync(path, 'utf8')))(file);
  } catch (error) {
    if (!isMissing(error)) return [{ path: ['version'], message: `cannot read ${file}: ${(error as Error).message}` }];
    return [{ path: ['version'], message: `template ${kind}/${use.name} has no version ${use.version} (no ${file})` }];
  }
  try {
    const checked = checkInputs(inputSchemaOf(text, file), use.inputs, file);
    if (checked.ok) {
      use.inputs = checked.inputs;
      return [];
    }
    return checked.problems.map((p) => ({ path: ['inputs', ...p.path], message: p.message }));
  } catch (error) {
    return [{ path: ['version'], message: (error as Error).message }];
  }
}

/**
 * What keeps a service template from creating its instances: an input that sets what the deployment gives the
 * template (core/stacks/service-instance.ts), or a stack's name (a service instance's, an application stack's) that
 * is too long for CloudFormation or that another service × environment's stack takes too.
 */
function serviceInstanceProblems(map: DeploymentMap): { path: Path; message: string }[] {
  const problems: { path: Path; message: string }[] = [];
  const stacks = new Map<string, string>();
  for (const [name, service] of Object.entries(map.services)) {
    if (!service.template) continue;
    for (const input of Object.keys(service.template.inputs)) {
      if (!(input in DEPLOYMENT_PARAMETERS)) continue;
      problems.push({
        path: ['services', name, 'template', 'inputs', input],
        message:
          `"${input}" is ${DEPLOYMENT_PARAMETERS[input as DeploymentParameter]}: crossdeploy gives it to the service ` +
          "template, and a service's inputs cannot set it",
      });
    }
    const path = ['services', name, 'template'];
    for (const environment of new Set(Object.values(service.branches).flat())) {
      problems.push(...stackNameProblems(stacks, serviceStackName(name, environment), name, environment, path));
    }
  }
  for (const [name, application] of Object.entries(map.applications)) {
    const path = ['services', name, 'stack'];
    for (const environment of new Set(Object.values(application.branches).flat())) {
      problems.push(...stackNameProblems(stacks, applicationStackName(name, environment), name, environment, path));
    }
  }
  return problems;
}

/** A stack's name must fit CloudFormation and be one service × environment's only. */
function stackNameProblems(
  taken: Map<string, string>,
  stack: string,
  service: string,
  environment: string,
  path: Path,
): { path: Path; message: string }[] {
  const pair = `service "${service}" in environment "${environment}"`;
  const other = taken.get(stack);
  if (stack.length > MAX_STACK_NAME) {
    return [
      {
        path,
        message: `the stack of ${pair}, ${stack}, is longer than CloudFormation's ${MAX_STACK_NAME} characters: use shorter names`,
      },
    ];
  }
  if (other) return [{ path, message: `${pair} and ${other} would both have the stack ${stack}: rename one of them` }];
  taken.set(stack, pair);
  return [];
}

/** A path the map names, relative to the map file's folder. */
function besideMap(opts: ParseOptions, path: string): string {
  return opts.file ? resolve(dirname(opts.file), path) : path;
}

function isMissing(error: unknown): boolean {
  return isObject(error) && error.code === 'ENOENT';
}
