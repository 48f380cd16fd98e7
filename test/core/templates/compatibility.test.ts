import { describe, expect, it } from 'vitest';
import { breakingChanges } from '../../../core/templates/compatibility';
import type { InputSchema } from '../../../core/templates/inputs';

const V1_0: InputSchema = {
  type: 'object',
  required: ['cpu', 'port'],
  properties: {
    cpu: { type: 'integer', enum: [256, 512, 1024] },
    port: { type: 'integer', minimum: 1, maximum: 65535 },
    healthCheckPath: { type: 'string', pattern: '^/' },
  },
};

const changed = (patch: (schema: InputSchema) => void): InputSchema => {
  const schema = structuredClone(V1_0);
  patch(schema);
  return schema;
};

describe('breakingChanges between minor versions', () => {
  it.each([
    ['an optional input added', changed((s) => (s.properties.desiredCount = { type: 'integer', default: 2 }))],
    [
      'a required input added with a default',
      changed((s) => {
        s.properties.desiredCount = { type: 'integer', default: 2 };
        s.required = [...(s.required ?? []), 'desiredCount'];
      }),
    ],
    ['an enum value added', changed((s) => (s.properties.cpu = { type: 'integer', enum: [256, 512, 1024, 2048] }))],
    ['a bound loosened', changed((s) => (s.properties.port = { type: 'integer', minimum: 0, maximum: 65535 }))],
    [
      'an integer input widened to a number',
      changed((s) => (s.properties.port = { type: 'number', minimum: 1, maximum: 65535 })),
    ],
    ['a required input made optional', changed((s) => (s.required = ['cpu']))],
  ])('allows %s', (_, later) => {
    expect(breakingChanges(V1_0, later)).toEqual([]);
  });

  it.each([
    [
      'a required input added without a default',
      changed((s) => {
        s.properties.subnet = { type: 'string' };
        s.required = [...(s.required ?? []), 'subnet'];
      }),
      'input "subnet" is required now and has no default',
    ],
    ['an input removed', changed((s) => delete s.properties.healthCheckPath), 'input "healthCheckPath" was removed'],
    [
      "an input's type changed",
      changed((s) => (s.properties.port = { type: 'string' })),
      'input "port" changed type from "integer" to "string"',
    ],
    [
      'an enum value dropped',
      changed((s) => (s.properties.cpu = { type: 'integer', enum: [512, 1024] })),
      'input "cpu" no longer accepts 256',
    ],
    [
      'an enum put on an input that had none',
      changed((s) => (s.properties.healthCheckPath = { type: 'string', pattern: '^/', enum: ['/health'] })),
      'input "healthCheckPath" no longer accepts',
    ],
    [
      'a minimum raised',
      changed((s) => (s.properties.port = { type: 'integer', minimum: 1024, maximum: 65535 })),
      'input "port" accepts less: minimum 1 → 1024',
    ],
    [
      'a maximum put where there was none',
      changed((s) => (s.properties.healthCheckPath = { type: 'string', pattern: '^/', maxLength: 64 })),
      'input "healthCheckPath" accepts less: maxLength 64',
    ],
    [
      'a pattern changed',
      changed((s) => (s.properties.healthCheckPath = { type: 'string', pattern: '^/health' })),
      'input "healthCheckPath" must match another pattern',
    ],
    [
      'unknown inputs refused',
      changed((s) => (s.additionalProperties = false)),
      'inputs the template does not name are refused now',
    ],
  ])('refuses %s, saying what breaks', (_, later, problem) => {
    const problems = breakingChanges(V1_0, later);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(problem);
  });
});
