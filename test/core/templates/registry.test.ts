import { describe, expect, it } from 'vitest';
import type { InputSchema } from '../../../core/templates/inputs';
import {
  publishPlan,
  REGISTRY_ITEM_MAX_BYTES,
  type RegistryItem,
  registryItemProblems,
  TEMPLATE_BODY_MAX_BYTES,
  templateBodyProblem,
  templateHash,
  type VersionContent,
} from '../../../core/templates/registry';

const PORT: InputSchema = { type: 'object', required: ['Port'], properties: { Port: { type: 'integer' } } };
const PORT_AS_TEXT: InputSchema = { type: 'object', required: ['Port'], properties: { Port: { type: 'string' } } };
const PORT_AND_CPU: InputSchema = {
  type: 'object',
  required: ['Port', 'Cpu'],
  properties: { Port: { type: 'integer' }, Cpu: { type: 'integer' } },
};

const web = (version: string, schema: InputSchema = PORT, hash = `hash of ${version}`): VersionContent => ({
  kind: 'services',
  name: 'web',
  version,
  hash,
  schema,
});

const item = (body: string, schema = '{}'): RegistryItem => ({
  template: 'services/web',
  version: 'v1.0',
  body,
  schema,
  hash: 'h',
  publishedAt: '2026-11-02T10:00:00.000Z',
  publishedBy: 'arn:aws:iam::111111111111:user/platform',
});

describe('the size of a template version', () => {
  it.each([
    ['exactly the limit', 'a'.repeat(TEMPLATE_BODY_MAX_BYTES), undefined],
    ['one byte over', 'a'.repeat(TEMPLATE_BODY_MAX_BYTES + 1), '51,201 bytes, over the 51,200 bytes'],
    // Bytes, not characters: "é" is two bytes in UTF-8.
    ['25,601 two-byte characters', 'é'.repeat(25_601), '51,202 bytes, over the 51,200 bytes'],
    ['25,600 two-byte characters', 'é'.repeat(25_600), undefined],
  ])('%s: %s', (_, body, problem) => {
    const found = templateBodyProblem(body, 'services/web/v1.0/template.yaml');
    if (problem === undefined) expect(found).toBeUndefined();
    else {
      expect(found).toContain(`services/web/v1.0/template.yaml: ${problem}`);
      expect(found).toContain("CloudFormation's TemplateBody limit");
    }
  });

  it.each([
    ['a body and a schema that fit', item('Resources: {}'), []],
    ['a body CloudFormation refuses', item('a'.repeat(60_000)), ['services/web/v1.0/template.yaml: 60,000 bytes']],
    [
      'a schema that makes the record larger than DynamoDB takes',
      item('Resources: {}', 'x'.repeat(REGISTRY_ITEM_MAX_BYTES)),
      ["services/web/v1.0: its record is 409,744 bytes, over DynamoDB's item limit of 409,600 bytes"],
    ],
  ])('the registry takes %s, or says why not', (_, record, problems) => {
    expect(registryItemProblems(record)).toEqual(problems.map((problem) => expect.stringContaining(problem)));
  });
});

describe('the hash of a template version', () => {
  it('is the sha256 of the body then the schema, as hex', () => {
    // `printf 'ab{}' | sha256sum`
    expect(templateHash('ab', '{}')).toBe('3be91eba4bbf6eca84815330757ef71cb825527c910d2f446e15710d9bd57f79');
  });

  it.each([
    ['the body', ['Resources: {}', '{}'], ['Resources: {a: 1}', '{}']],
    ['the schema', ['Resources: {}', '{"type":"object"}'], ['Resources: {}', '{"type":"array"}']],
  ])('changes with %s', (_, [bodyA, schemaA], [bodyB, schemaB]) => {
    expect(templateHash(bodyA as string, schemaA as string)).not.toBe(templateHash(bodyB as string, schemaB as string));
  });
});

describe('what publishing a folder to the registry does', () => {
  it.each<
    [string, VersionContent[], VersionContent[], { toPublish: string[]; unchanged: string[]; problems: string[] }]
  >([
    [
      'an empty registry takes every version',
      [web('v1.0'), web('v1.1')],
      [],
      { toPublish: ['v1.0', 'v1.1'], unchanged: [], problems: [] },
    ],
    [
      'versions published with the same content are unchanged',
      [web('v1.0'), web('v1.1')],
      [web('v1.0')],
      { toPublish: ['v1.1'], unchanged: ['v1.0'], problems: [] },
    ],
    [
      'a version published with other content is refused',
      [web('v1.0', PORT, 'new hash'), web('v1.1')],
      [web('v1.0')],
      {
        toPublish: ['v1.1'],
        unchanged: [],
        problems: [
          'services/web/v1.0: published already with other content; a published version never changes, publish the change as the next version',
        ],
      },
    ],
    [
      'a new minor that breaks a minor only the registry still has is refused',
      [web('v1.2', PORT_AS_TEXT)],
      [web('v1.0'), web('v1.1')],
      {
        toPublish: ['v1.2'],
        unchanged: [],
        problems: [
          'services/web/v1.2: input "Port" changed type from "integer" to "string" since v1.1 (a minor version keeps its major\'s inputs; publish v2.0 instead)',
        ],
      },
    ],
    [
      'a new major may change the inputs',
      [web('v2.0', PORT_AS_TEXT)],
      [web('v1.0'), web('v1.1')],
      { toPublish: ['v2.0'], unchanged: [], problems: [] },
    ],
    [
      "a new minor between two published ones must keep the earlier's inputs, and the later must keep its",
      [web('v1.1', PORT_AND_CPU)],
      [web('v1.0'), web('v1.2')],
      {
        toPublish: ['v1.1'],
        unchanged: [],
        problems: [
          'services/web/v1.1: input "Cpu" is required now and has no default since v1.0 (a minor version keeps its major\'s inputs; publish v2.0 instead)',
          'services/web/v1.2: input "Cpu" was removed since v1.1 (a minor version keeps its major\'s inputs; publish v2.0 instead)',
        ],
      },
    ],
    [
      "the registry's own history is not judged again",
      [web('v1.2', PORT_AS_TEXT)],
      [web('v1.0', PORT), web('v1.1', PORT_AS_TEXT)],
      { toPublish: ['v1.2'], unchanged: [], problems: [] },
    ],
    [
      'another template with the same versions is another template',
      [{ ...web('v1.0', PORT_AS_TEXT), kind: 'environments' }],
      [web('v1.0')],
      { toPublish: ['v1.0'], unchanged: [], problems: [] },
    ],
  ])('%s', (_, folder, published, expected) => {
    const plan = publishPlan(folder, published);
    expect({
      toPublish: plan.toPublish.map((v) => v.version),
      unchanged: plan.unchanged.map((v) => v.version),
      problems: plan.problems,
    }).toEqual(expected);
  });
});
