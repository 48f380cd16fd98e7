import { describe, expect, it } from 'vitest';
import { checkInputs, type InputSchema, InvalidTemplateSchema, inputSchemaOf } from '../../../core/templates/inputs';

const SERVICE: InputSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['cpu', 'memory', 'port'],
  properties: {
    cpu: { type: 'integer', enum: [256, 512, 1024, 2048] },
    memory: { type: 'integer', minimum: 512, maximum: 30720 },
    port: { type: 'integer', minimum: 1, maximum: 65535 },
    desiredCount: { type: 'integer', minimum: 0, default: 2 },
    healthCheckPath: { type: 'string', pattern: '^/', default: '/health' },
  },
};

describe('checkInputs', () => {
  it('accepts inputs the schema allows and fills in its defaults', () => {
    expect(checkInputs(SERVICE, { cpu: 512, memory: 1024, port: 8080 })).toEqual({
      ok: true,
      inputs: { cpu: 512, memory: 1024, port: 8080, desiredCount: 2, healthCheckPath: '/health' },
    });
  });

  it.each([
    ['a value outside an enum', { cpu: 300, memory: 1024, port: 80 }, ['cpu'], 'must be one of 256, 512, 1024, 2048'],
    ['a value under its minimum', { cpu: 256, memory: 128, port: 80 }, ['memory'], '>=512'],
    ['a string where a number goes', { cpu: 256, memory: 1024, port: '80' }, ['port'], 'expected number'],
    ['a missing required input', { cpu: 256, memory: 1024 }, ['port'], 'expected number'],
    [
      'a path without its pattern',
      { cpu: 256, memory: 1024, port: 80, healthCheckPath: 'health' },
      ['healthCheckPath'],
      'pattern',
    ],
    [
      'an input the template does not take',
      { cpu: 256, memory: 1024, port: 80, replicas: 3 },
      [],
      'the template takes no input "replicas"',
    ],
  ])('refuses %s, naming where and why', (_, inputs, path, message) => {
    const checked = checkInputs(SERVICE, inputs);
    expect(checked.ok).toBe(false);
    if (checked.ok) return;
    expect(checked.problems).toHaveLength(1);
    expect(checked.problems[0]?.path).toEqual(path);
    expect(checked.problems[0]?.message).toContain(message);
  });

  it('names every problem at once', () => {
    const checked = checkInputs(SERVICE, { cpu: 1, memory: 1, port: 0 });
    expect(checked.ok ? [] : checked.problems.map((p) => p.path.join('.'))).toEqual(['cpu', 'memory', 'port']);
  });
});

describe('inputSchemaOf', () => {
  it('reads a schema.json of named inputs', () => {
    expect(inputSchemaOf(JSON.stringify(SERVICE), 'templates/services/web/v1.0/schema.json')).toEqual(SERVICE);
  });

  it.each([
    ['text that is not JSON', '{ type: object', 'not JSON'],
    ['a schema that is not an object of inputs', '{"type": "string"}', 'type "object" and properties'],
    ['an array', '[]', 'type "object" and properties'],
  ])('refuses %s, naming the file', (_, text, message) => {
    expect(() => inputSchemaOf(text, 'templates/services/web/v1.0/schema.json')).toThrow(InvalidTemplateSchema);
    expect(() => inputSchemaOf(text, 'templates/services/web/v1.0/schema.json')).toThrow(
      new RegExp(`^templates/services/web/v1.0/schema.json: .*${message}`),
    );
  });
});
