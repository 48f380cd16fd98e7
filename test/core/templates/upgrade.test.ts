import { describe, expect, it } from 'vitest';
import type { InputSchema } from '../../../core/templates/inputs';
import { type TemplateInstance, upgradePlan } from '../../../core/templates/upgrade';
import { formatVersion, parseVersion, type TemplateVersion } from '../../../core/templates/version';

const V1: InputSchema = { type: 'object', required: ['Port'], properties: { Port: { type: 'integer' } } };
const V1_1: InputSchema = {
  type: 'object',
  required: ['Port'],
  properties: { Port: { type: 'integer' }, DesiredCount: { type: 'integer', default: 2 } },
};
// v2.0 renamed the port and refuses inputs it does not name.
const V2: InputSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['ContainerPort'],
  properties: { ContainerPort: { type: 'integer' } },
};
const SCHEMAS: Record<string, InputSchema> = { 'v1.0': V1, 'v1.1': V1_1, 'v2.0': V2 };
const PUBLISHED = Object.keys(SCHEMAS).map(parseVersion);
const schemaOf = (v: TemplateVersion) => SCHEMAS[formatVersion(v)] as InputSchema;

const instance = (where: string, version: string, inputs: Record<string, unknown>): TemplateInstance => ({
  where,
  version,
  inputs,
});

describe('upgradePlan', () => {
  it('moves older instances to a minor with their inputs, the new defaults filled in, and leaves current ones', () => {
    const plan = upgradePlan(
      [instance('services.web', 'v1.0', { Port: 80 }), instance('services.api', 'v1.1', { Port: 81 })],
      PUBLISHED,
      parseVersion('v1.1'),
      schemaOf,
    );
    expect(plan).toEqual({
      upgrades: [{ where: 'services.web', from: 'v1.0', to: 'v1.1', inputs: { Port: 80, DesiredCount: 2 } }],
      current: ['services.api'],
      problems: [],
    });
  });

  it('moves an instance across majors when its inputs satisfy the new major', () => {
    const plan = upgradePlan(
      [instance('services.web', 'v1.1', { ContainerPort: 80 })],
      PUBLISHED,
      parseVersion('v2.0'),
      schemaOf,
    );
    expect(plan.problems).toEqual([]);
    expect(plan.upgrades.map((u) => [u.where, u.from, u.to])).toEqual([['services.web', 'v1.1', 'v2.0']]);
  });

  it.each([
    [
      'inputs the new major does not take',
      [instance('services.web', 'v1.1', { Port: 80 })],
      'v2.0',
      [
        'services.web.template.inputs.ContainerPort: Invalid input: expected number, received undefined in v2.0',
        'services.web.template.inputs: the template takes no input "Port" in v2.0',
      ],
    ],
    [
      'a downgrade',
      [instance('environments.prod', 'v2.0', { ContainerPort: 80 })],
      'v1.1',
      ['environments.prod runs v2.0, newer than v1.1: a template never goes back'],
    ],
    [
      'a version never published',
      [instance('services.web', 'v1.0', { Port: 80 })],
      'v1.2',
      ['v1.2 is not published (published: v1.0, v1.1, v2.0)'],
    ],
  ])('refuses %s, naming the instance and why', (_, instances, to, problems) => {
    const plan = upgradePlan(instances, PUBLISHED, parseVersion(to), schemaOf);
    expect(plan.problems).toEqual(problems);
    expect(plan.upgrades).toEqual([]);
  });
});
