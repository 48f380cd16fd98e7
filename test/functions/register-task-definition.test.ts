import {
  DescribeTaskDefinitionCommand,
  ECSClient,
  ListTaskDefinitionsCommand,
  TagResourceCommand,
} from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { COMMIT_TAG, DEPLOYMENT_ID_TAG } from '../../core/task-definition';
import { registerRevision } from '../../functions/register-task-definition';
import { clientForAccount } from '../../local/accounts';
import { SIDECAR, seedRepository, seedTarget } from '../../local/seed';
import { useMoto } from '../support/moto';
import { READ_ONLY_FIELDS } from '../support/task-definition';
import { IMAGE, ORCHESTRATOR, target, targetDeployment, useWorkflows } from '../support/workflows';
import { recordingClientFactory, seeded } from './support';

useMoto();
useWorkflows();
const dev = target('222222222222', 'us-east-1');

/** A revision as stored in the target account, read as a fixture. */
async function describeRevision(taskDefinitionArn: string) {
  const ecs = clientForAccount(ECSClient, dev.account, dev.region);
  try {
    return await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: taskDefinitionArn, include: ['TAGS'] }));
  } finally {
    ecs.destroy();
  }
}

async function revisionsOfFamily(family: string): Promise<string[]> {
  const ecs = clientForAccount(ECSClient, dev.account, dev.region);
  try {
    return (await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: family }))).taskDefinitionArns ?? [];
  } finally {
    ecs.destroy();
  }
}

/** The team's own tags on a revision, put there outside crossdeploy. */
async function tagRevision(taskDefinitionArn: string, tags: { key: string; value: string }[]) {
  const ecs = clientForAccount(ECSClient, dev.account, dev.region);
  try {
    await ecs.send(new TagResourceCommand({ resourceArn: taskDefinitionArn, tags }));
  } finally {
    ecs.destroy();
  }
}

async function failureOf(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected the step to fail');
    },
    (error: unknown) => error as Error,
  );
}

describe('register-task-definition step (registerRevision)', () => {
  it('registers a revision whose app container runs the digest and keeps the sidecar, tagged with commit and deployment', async () => {
    const before = await seeded(dev);
    const deployment = targetDeployment(dev);

    const result = await registerRevision(deployment);

    expect(result.reused).toBe(false);
    expect(result.previousTaskDefinitionArn).toBe(before.taskDefinitionArn);
    expect(result.taskDefinitionArn).toMatch(/:task-definition\/web:2$/);
    const { taskDefinition, tags } = await describeRevision(result.taskDefinitionArn);
    const containers = taskDefinition?.containerDefinitions ?? [];
    expect(containers.map((c) => c.name)).toEqual(['app', SIDECAR]);
    expect(containers[0]).toMatchObject({ image: IMAGE.uri, memory: 512, essential: true });
    expect(containers[0]?.portMappings?.[0]?.containerPort).toBe(8080);
    expect(containers[1]?.image).toBe('public.ecr.aws/aws-observability/aws-for-fluent-bit:stable');
    expect(tags).toEqual(
      expect.arrayContaining([
        { key: COMMIT_TAG, value: deployment.deployment.commit },
        { key: DEPLOYMENT_ID_TAG, value: deployment.deployment.deploymentId },
      ]),
    );
  });

  it("keeps the tags of the revision the service runs, with crossdeploy's own winning on a conflict", async () => {
    const before = await seeded(dev);
    const teamTags = [
      { key: 'team', value: 'storefront' },
      { key: 'cost-center', value: '4711' },
      { key: COMMIT_TAG, value: 'a-commit-deployed-by-hand' },
    ];
    await tagRevision(before.taskDefinitionArn, teamTags);
    const deployment = targetDeployment(dev);

    const result = await registerRevision(deployment);

    const { tags } = await describeRevision(result.taskDefinitionArn);
    expect(tags).toHaveLength(4);
    expect(tags).toEqual(
      expect.arrayContaining([
        { key: 'team', value: 'storefront' },
        { key: 'cost-center', value: '4711' },
        { key: COMMIT_TAG, value: deployment.deployment.commit },
        { key: DEPLOYMENT_ID_TAG, value: deployment.deployment.deploymentId },
      ]),
    );
  });

  it("keeps the running revision's tags when the revision is built from the map's template", async () => {
    const before = await seeded(dev);
    await tagRevision(before.taskDefinitionArn, [{ key: 'team', value: 'storefront' }]);
    const template = {
      family: 'web-v2',
      containerDefinitions: [{ name: 'app', image: 'replaced-by-the-digest', memory: 256, essential: true }],
    };

    const result = await registerRevision(targetDeployment(dev, { taskDefinitionTemplate: template }));

    const { tags } = await describeRevision(result.taskDefinitionArn);
    expect(tags).toEqual(expect.arrayContaining([{ key: 'team', value: 'storefront' }]));
  });

  it('sends RegisterTaskDefinition none of the read-only fields DescribeTaskDefinition returned', async () => {
    await seeded(dev);
    const { clients, sent } = recordingClientFactory();

    await registerRevision(targetDeployment(dev), clients);

    const registers = sent.filter((c) => c.command === 'RegisterTaskDefinitionCommand');
    expect(registers).toHaveLength(1);
    const input = registers[0]?.input ?? {};
    expect(input.family).toBe('web');
    expect(Object.keys(input).filter((field) => READ_ONLY_FIELDS.includes(field))).toEqual([]);
  });

  it('returns the revision it registered before, and registers no other, when retried with the same deployment id', async () => {
    await seeded(dev);
    const deployment = targetDeployment(dev);

    const first = await registerRevision(deployment);
    const retried = await registerRevision(deployment);

    expect(retried).toEqual({ ...first, reused: true });
    expect(await revisionsOfFamily('web')).toHaveLength(2);
  });

  it('registers a further revision for a different deployment id', async () => {
    await seeded(dev);

    const first = await registerRevision(targetDeployment(dev));
    const next = await registerRevision(targetDeployment(dev, { deploymentId: 'web-dev-9e8d7c6-test' }));

    expect(next.reused).toBe(false);
    expect(next.taskDefinitionArn).not.toBe(first.taskDefinitionArn);
    expect(await revisionsOfFamily('web')).toHaveLength(3);
  });

  it("builds the revision from the map's template instead of the live definition", async () => {
    await seeded(dev);
    const template = {
      family: 'web',
      containerDefinitions: [{ name: 'app', image: 'replaced-by-the-digest', memory: 256, essential: true }],
    };

    const result = await registerRevision(targetDeployment(dev, { taskDefinitionTemplate: template }));

    const { taskDefinition } = await describeRevision(result.taskDefinitionArn);
    expect(taskDefinition?.containerDefinitions).toHaveLength(1);
    expect(taskDefinition?.containerDefinitions?.[0]).toMatchObject({ name: 'app', image: IMAGE.uri, memory: 256 });
  });

  it('returns the revision it registered before when retried with a template of another family', async () => {
    await seeded(dev);
    const template = {
      family: 'web-v2',
      containerDefinitions: [{ name: 'app', image: 'replaced-by-the-digest', memory: 256, essential: true }],
    };
    const deployment = targetDeployment(dev, { taskDefinitionTemplate: template });

    const first = await registerRevision(deployment);
    const retried = await registerRevision(deployment);

    expect(first.taskDefinitionArn).toMatch(/task-definition\/web-v2:1$/);
    expect(retried).toEqual({ ...first, reused: true });
    expect(await revisionsOfFamily('web-v2')).toHaveLength(1);
  });

  it('fails with ContainerNotFound naming the container and the ones there are', async () => {
    await seeded(dev);

    const error = await failureOf(registerRevision(targetDeployment({ ...dev, container: 'api' })));

    expect(error.name).toBe('ContainerNotFound');
    expect(error.message).toContain('"api"');
    expect(error.message).toContain(`app, ${SIDECAR}`);
    expect(await revisionsOfFamily('web')).toHaveLength(1);
  });

  it.each(['CODE_DEPLOY', 'EXTERNAL'] as const)(
    'refuses a service with the %s deployment controller with UnsupportedDeploymentController, registering nothing',
    async (controller) => {
      await seedRepository('web', ORCHESTRATOR.region);
      await seedTarget({ ...dev, alarms: ['web-5xx'], deploymentController: controller });

      const error = await failureOf(registerRevision(targetDeployment(dev)));

      expect(error.name).toBe('UnsupportedDeploymentController');
      for (const words of ['account/region 222222222222/us-east-1', 'cluster/service demo/web', controller]) {
        expect(error.message).toContain(words);
      }
      expect(error.message).toContain('move the service to the ECS deployment controller');
      expect(await revisionsOfFamily('web')).toHaveLength(1);
    },
  );

  it('fails with ServiceNotFound naming the target when the service does not exist', async () => {
    await seeded(dev);

    const error = await failureOf(registerRevision(targetDeployment({ ...dev, service: 'api' })));

    expect(error.name).toBe('ServiceNotFound');
    expect(error.message).toContain('account/region 222222222222/us-east-1');
    expect(error.message).toContain('cluster/service demo/api');
  });

  it('fails with ServiceNotFound naming the cluster when the cluster does not exist', async () => {
    await seeded(dev);

    const error = await failureOf(registerRevision(targetDeployment({ ...dev, cluster: 'staging' })));

    expect(error.name).toBe('ServiceNotFound');
    expect(error.message).toContain('cluster/service staging/web');
    expect(error.message).toContain('cluster staging does not exist');
  });

  describe('platform of the image', () => {
    const armOnly = { ...IMAGE, platforms: ['linux/arm64'] };

    it('refuses an arm64-only image for a task definition without runtimePlatform (X86_64), registering nothing', async () => {
      await seeded(dev);
      const { clients, sent } = recordingClientFactory();

      const error = await failureOf(registerRevision(targetDeployment(dev, { image: armOnly }), clients));

      expect(error.name).toBe('ImagePlatformMismatch');
      expect(error.message).toBe(
        'account/region 222222222222/us-east-1, cluster/service demo/web: the task definition runs on LINUX/X86_64, ' +
          `but image ${IMAGE.uri} is built for linux/arm64 only; add linux/amd64 to the service's platforms in the ` +
          "map (or set the task definition's runtimePlatform to what the image is built for)",
      );
      expect(sent.map((c) => c.command)).not.toContain('RegisterTaskDefinitionCommand');
      expect(await revisionsOfFamily('web')).toHaveLength(1);
    });

    it('registers an arm64-only image for a Graviton task definition (ARM64)', async () => {
      await seeded(dev, ['web-5xx'], 'ARM64');

      const result = await registerRevision(targetDeployment(dev, { image: armOnly }));

      const { taskDefinition } = await describeRevision(result.taskDefinitionArn);
      expect(taskDefinition?.runtimePlatform).toEqual({ cpuArchitecture: 'ARM64', operatingSystemFamily: 'LINUX' });
    });

    it('refuses an amd64-only image for a Graviton task definition', async () => {
      await seeded(dev, ['web-5xx'], 'ARM64');

      const error = await failureOf(registerRevision(targetDeployment(dev)));

      expect(error.name).toBe('ImagePlatformMismatch');
      expect(error.message).toContain('runs on LINUX/ARM64');
      expect(error.message).toContain('built for linux/amd64 only; add linux/arm64');
    });

    it('registers a multi-platform image on either architecture', async () => {
      await seeded(dev, ['web-5xx'], 'ARM64');
      const both = { ...IMAGE, platforms: ['linux/amd64', 'linux/arm64'] };

      const result = await registerRevision(targetDeployment(dev, { image: both }));

      expect(result.reused).toBe(false);
    });
  });
});
