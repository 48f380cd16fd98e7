import { describe, expect, it } from 'vitest';
import { ContainerNotFound, InvalidStepInput } from '../../core/errors';
import {
  COMMIT_TAG,
  DEPLOYMENT_ID_TAG,
  deploymentIdOf,
  deriveTaskDefinition,
  familyOf,
  MAX_TAGS,
  mergeRevisionTags,
  revisionTags,
  type TaskDefinitionLike,
} from '../../core/task-definition';
import described from '../fixtures/aws/describe-task-definition.json';
import graviton from '../fixtures/aws/describe-task-definition-graviton.json';
import { READ_ONLY_FIELDS } from '../support/task-definition';

const NEW_IMAGE =
  '111111111111.dkr.ecr.us-east-1.amazonaws.com/web@sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';
const current = () => structuredClone(described.taskDefinition);
const container = (derived: { containerDefinitions: { name?: string }[] }, name: string) =>
  derived.containerDefinitions.find((c) => c.name === name);

describe('deriveTaskDefinition', () => {
  it('replaces the image of the named container and carries every other field over', () => {
    const {
      taskDefinitionArn,
      revision,
      status,
      requiresAttributes,
      compatibilities,
      registeredAt,
      registeredBy,
      ...registrable
    } = current();
    const [web, xray] = registrable.containerDefinitions;

    expect(deriveTaskDefinition(current(), 'web', NEW_IMAGE)).toEqual({
      ...registrable,
      containerDefinitions: [{ ...web, image: NEW_IMAGE }, xray],
    });
  });

  it.each(['secrets', 'logConfiguration', 'healthCheck', 'dependsOn', 'portMappings', 'environment'])(
    'keeps the %s of the deployed container',
    (field) => {
      const before: Record<string, unknown> = { ...current().containerDefinitions[0] };
      const after: Record<string, unknown> = { ...container(deriveTaskDefinition(current(), 'web', NEW_IMAGE), 'web') };

      expect(before[field]).toBeDefined();
      expect(after[field]).toEqual(before[field]);
    },
  );

  it('leaves the sidecar image alone', () => {
    expect(container(deriveTaskDefinition(current(), 'web', NEW_IMAGE), 'xray-daemon')).toEqual(
      current().containerDefinitions[1],
    );
  });

  it.each(READ_ONLY_FIELDS)('drops the read-only field %s', (field) => {
    const deregistered = { ...current(), deregisteredAt: new Date(), deleteRequestedAt: new Date() };

    expect(deriveTaskDefinition(deregistered, 'web', NEW_IMAGE)).not.toHaveProperty(field);
  });

  it('drops undefined and null fields at every depth, as SDK objects and JSON templates carry them', () => {
    const sdkShaped = {
      ...current(),
      pidMode: undefined,
      ipcMode: null,
      containerDefinitions: [{ name: 'web', image: 'old', linuxParameters: { initProcessEnabled: true, tmpfs: null } }],
    };

    expect(deriveTaskDefinition(sdkShaped, 'web', NEW_IMAGE)).toMatchObject({
      containerDefinitions: [{ name: 'web', image: NEW_IMAGE, linuxParameters: { initProcessEnabled: true } }],
    });
    const derived = deriveTaskDefinition(sdkShaped, 'web', NEW_IMAGE);
    expect(Object.keys(derived)).not.toContain('pidMode');
    expect(Object.keys(derived)).not.toContain('ipcMode');
    expect(container(derived, 'web')).not.toHaveProperty('linuxParameters.tmpfs');
  });

  it('does not change its input', () => {
    const input = current();

    deriveTaskDefinition(input, 'web', NEW_IMAGE);

    expect(input).toEqual(current());
  });

  it.each<{ name: string; source: TaskDefinitionLike; family: string }>([
    {
      name: 'the family of a template without an ARN',
      source: { family: 'web-canary', containerDefinitions: [{ name: 'web' }] },
      family: 'web-canary',
    },
    {
      name: 'the family named by the ARN when the family field is absent',
      source: {
        taskDefinitionArn: 'arn:aws:ecs:eu-west-1:222222222222:task-definition/web:7',
        containerDefinitions: [{ name: 'web' }],
      },
      family: 'web',
    },
  ])('registers under $name', ({ source, family }) => {
    expect(deriveTaskDefinition(source, 'web', NEW_IMAGE).family).toBe(family);
  });

  it.each<{ name: string; source: TaskDefinitionLike; available: string[] }>([
    { name: 'a task definition without that container', source: current(), available: ['web', 'xray-daemon'] },
    { name: 'a task definition without containers', source: { family: 'web' }, available: [] },
  ])('throws ContainerNotFound listing the containers of $name', ({ source, available }) => {
    const error = (() => {
      try {
        deriveTaskDefinition(source, 'api', NEW_IMAGE);
      } catch (thrown) {
        return thrown;
      }
    })();

    expect(error).toBeInstanceOf(ContainerNotFound);
    expect(error).toMatchObject({ name: 'ContainerNotFound', container: 'api', available });
  });

  it('throws InvalidStepInput when nothing names the family', () => {
    expect(() => deriveTaskDefinition({ containerDefinitions: [{ name: 'web' }] }, 'web', NEW_IMAGE)).toThrow(
      InvalidStepInput,
    );
  });
});

describe('revisionTags and deploymentIdOf', () => {
  it('tags a revision with the commit and the deployment id', () => {
    expect(revisionTags('4e1c2b9', 'd-42')).toEqual([
      { key: COMMIT_TAG, value: '4e1c2b9' },
      { key: DEPLOYMENT_ID_TAG, value: 'd-42' },
    ]);
  });

  it.each<{ name: string; tags: { key?: string; value?: string }[] | undefined; id: string | undefined }>([
    { name: 'the tags it wrote', tags: revisionTags('4e1c2b9', 'd-42'), id: 'd-42' },
    { name: 'a DescribeTaskDefinition answer', tags: described.tags, id: 'd-20240513-161955-web' },
    { name: 'a revision registered by hand', tags: [{ key: 'team', value: 'storefront' }], id: undefined },
    { name: 'a revision without tags', tags: undefined, id: undefined },
  ])('reads the deployment id back from $name', ({ tags, id }) => {
    expect(deploymentIdOf(tags)).toBe(id);
  });
});

describe('mergeRevisionTags', () => {
  const own = revisionTags('4e1c2b9', 'd-42');

  it("keeps the team's tags of the running revision after crossdeploy's", () => {
    const inherited = [
      { key: 'team', value: 'storefront' },
      { key: 'cost-center', value: '4711' },
    ];

    expect(mergeRevisionTags(inherited, own)).toEqual({ tags: [...own, ...inherited], dropped: [] });
  });

  it("lets crossdeploy's tags win over inherited ones of the same key, and later inherited tags over earlier", () => {
    const inherited = [
      { key: COMMIT_TAG, value: 'an-older-commit' },
      { key: DEPLOYMENT_ID_TAG, value: 'd-41' },
      { key: 'team', value: 'storefront' },
      { key: 'team', value: 'checkout' },
    ];

    expect(mergeRevisionTags(inherited, own).tags).toEqual([...own, { key: 'team', value: 'checkout' }]);
  });

  it.each([
    { key: 'aws:cloudformation:stack-name', value: 'web' },
    { key: 'AWS:createdBy', value: 'x' },
    { key: 'owner', value: 'aws:reserved' },
  ])('drops $key=$value, which ECS reserves for itself', (reserved) => {
    expect(mergeRevisionTags([reserved, { key: 'team', value: 'storefront' }], own).tags).toEqual([
      ...own,
      { key: 'team', value: 'storefront' },
    ]);
  });

  it("keeps at most 50 tags, crossdeploy's first, and names the inherited ones that did not fit", () => {
    const inherited = Array.from({ length: MAX_TAGS }, (_, i) => ({ key: `k${i}`, value: `v${i}` }));

    const merged = mergeRevisionTags(inherited, own);

    expect(merged.tags).toHaveLength(MAX_TAGS);
    expect(merged.tags.slice(0, 2)).toEqual(own);
    expect(merged.dropped).toEqual(['k48', 'k49']);
  });

  it('reads a revision without tags and a tag without a value', () => {
    expect(mergeRevisionTags(undefined, own).tags).toEqual(own);
    expect(mergeRevisionTags([{ key: 'pii' }], own).tags).toEqual([...own, { key: 'pii', value: '' }]);
  });
});

describe('familyOf', () => {
  it.each([
    ['arn:aws:ecs:eu-west-1:222222222222:task-definition/web:7', 'web'],
    ['arn:aws:ecs:eu-west-1:222222222222:task-definition/web-api_v2:112', 'web-api_v2'],
    ['arn:aws:ecs:eu-west-1:222222222222:task-definition/web', 'web'],
    ['web:7', 'web'],
    ['web', 'web'],
  ])('reads the family of %s as %s', (arn, family) => {
    expect(familyOf(arn)).toBe(family);
  });

  it.each(['', 'arn:aws:ecs:eu-west-1:222222222222:service/prod/web:x'])('rejects "%s"', (arn) => {
    expect(() => familyOf(arn)).toThrow(InvalidStepInput);
  });
});

describe('deriveTaskDefinition and the runtime platform', () => {
  it('adds no runtimePlatform to a definition that has none (X86_64 to ECS)', () => {
    expect(deriveTaskDefinition(current(), 'web', 'img@sha256:1').runtimePlatform).toBeUndefined();
  });

  it("keeps a Graviton definition's ARM64 runtimePlatform", () => {
    const next = deriveTaskDefinition(structuredClone(graviton.taskDefinition), 'web', 'img@sha256:1');
    expect(next.runtimePlatform).toEqual({ cpuArchitecture: 'ARM64', operatingSystemFamily: 'LINUX' });
  });
});
