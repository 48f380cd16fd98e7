// A minor version must take every input its major's earlier minors took: instances move to it without anyone
// touching their inputs. This says, input by input, what a new minor would break; a new major may break anything.

import type { InputSchema } from './inputs';

type Property = Record<string, unknown>;

/** Why inputs valid for `earlier` may not be valid for `later`; empty when `later` is a compatible minor. */
export function breakingChanges(earlier: InputSchema, later: InputSchema): string[] {
  const problems: string[] = [];
  const earlierRequired = new Set(earlier.required ?? []);
  for (const name of later.required ?? []) {
    const property = later.properties[name];
    if (!earlierRequired.has(name) && property?.default === undefined) {
      problems.push(`input "${name}" is required now and has no default`);
    }
  }
  for (const [name, before] of Object.entries(earlier.properties)) {
    const after = later.properties[name];
    if (after === undefined) {
      problems.push(`input "${name}" was removed`);
      continue;
    }
    problems.push(...propertyChanges(name, before, after));
  }
  if (earlier.additionalProperties !== false && later.additionalProperties === false) {
    problems.push('inputs the template does not name are refused now');
  }
  return problems;
}

function propertyChanges(name: string, before: Property, after: Property): string[] {
  const problems: string[] = [];
  if (!sameType(before.type, after.type)) {
    problems.push(`input "${name}" changed type from ${JSON.stringify(before.type)} to ${JSON.stringify(after.type)}`);
  }
  if (Array.isArray(after.enum)) {
    const allowed = new Set(after.enum.map((v) => JSON.stringify(v)));
    const dropped = Array.isArray(before.enum)
      ? before.enum.filter((v) => !allowed.has(JSON.stringify(v)))
      : ['values it took before'];
    if (dropped.length > 0) {
      problems.push(`input "${name}" no longer accepts ${dropped.map((v) => JSON.stringify(v)).join(', ')}`);
    }
  }
  for (const [bound, tighter] of BOUNDS) {
    const was = before[bound];
    const is = after[bound];
    if (typeof is === 'number' && (typeof was !== 'number' || tighter(is, was))) {
      problems.push(`input "${name}" accepts less: ${bound} ${typeof was === 'number' ? `${was} → ` : ''}${is}`);
    }
  }
  if (after.pattern !== undefined && after.pattern !== before.pattern) {
    problems.push(`input "${name}" must match another pattern: ${JSON.stringify(after.pattern)}`);
  }
  return problems;
}

/** Each bound, and when its new value accepts less than the old one. */
const BOUNDS: [string, (is: number, was: number) => boolean][] = [
  ['minimum', (is, was) => is > was],
  ['exclusiveMinimum', (is, was) => is > was],
  ['maximum', (is, was) => is < was],
  ['exclusiveMaximum', (is, was) => is < was],
  ['minLength', (is, was) => is > was],
  ['maxLength', (is, was) => is < was],
  ['minItems', (is, was) => is > was],
  ['maxItems', (is, was) => is < was],
];

function sameType(a: unknown, b: unknown): boolean {
  // An integer input may become a number: every integer is one.
  if (a === 'integer' && b === 'number') return true;
  return JSON.stringify(a) === JSON.stringify(b);
}
