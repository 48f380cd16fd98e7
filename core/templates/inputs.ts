// A template's inputs are declared by its `schema.json` (JSON Schema) and given per environment or service in the
// map. They are checked here against that schema, with every problem named by its path, before anything is
// deployed; defaults the schema declares are filled in, so a stack always gets every parameter it declares.

import { z } from 'zod';

/** A template's `schema.json`: an object of named inputs. */
export type InputSchema = {
  type: 'object';
  properties: Record<string, Record<string, unknown>>;
  required?: string[];
  additionalProperties?: boolean;
} & Record<string, unknown>;

export class InvalidTemplateSchema extends Error {
  override name = 'InvalidTemplateSchema' as const;
}

export interface InputProblem {
  /** Where in the inputs, e.g. `["cpu"]` or `["subnets", 1]`. */
  path: (string | number)[];
  message: string;
}

export type InputCheck = { ok: true; inputs: Record<string, unknown> } | { ok: false; problems: InputProblem[] };

/** Reads a `schema.json`'s text into an input schema, refusing anything but an object of named inputs. */
export function inputSchemaOf(text: string, where: string): InputSchema {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new InvalidTemplateSchema(`${where}: not JSON (${(cause as Error).message})`, { cause });
  }
  const shape = parsed as Partial<InputSchema> | null;
  if (shape === null || typeof shape !== 'object' || shape.type !== 'object' || typeof shape.properties !== 'object') {
    throw new InvalidTemplateSchema(
      `${where}: a template's inputs are a JSON Schema with type "object" and properties`,
    );
  }
  validator(shape as InputSchema, where);
  return shape as InputSchema;
}

/** Checks `inputs` against the template's schema; on success, with the schema's defaults filled in. */
export function checkInputs(schema: InputSchema, inputs: unknown, where = 'the template'): InputCheck {
  const parsed = validator(schema, where).safeParse(inputs ?? {});
  if (parsed.success) return { ok: true, inputs: parsed.data as Record<string, unknown> };
  return {
    ok: false,
    problems: parsed.error.issues.map((issue) => ({
      path: issue.path.filter((p): p is string | number => typeof p !== 'symbol'),
      message: messageOf(issue),
    })),
  };
}

function validator(schema: InputSchema, where: string): z.ZodType {
  try {
    return z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
  } catch (cause) {
    throw new InvalidTemplateSchema(`${where}: the input schema cannot be read (${(cause as Error).message})`, {
      cause,
    });
  }
}

// zod words an enum as a union of literals: say the allowed values once instead.
function messageOf(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_union') {
    const values = issue.errors.flatMap((branch) =>
      branch.flatMap((e) => (e.code === 'invalid_value' ? e.values.map((v) => JSON.stringify(v)) : [])),
    );
    if (values.length === issue.errors.length) return `must be one of ${values.join(', ')}`;
  }
  if (issue.code === 'unrecognized_keys')
    return `the template takes no input ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  return issue.message;
}
