import { ECRClient, GetRepositoryPolicyCommand } from '@aws-sdk/client-ecr';
import {
  DescribeServicesCommand,
  ECSClient,
  ListTaskDefinitionsCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import type { TargetDeployment, TargetRollback } from '../../core/contracts';
import { imageIn } from '../../core/images';
import { clientForAccount } from '../../local/accounts';
import { seedImage, seedLedger, seedRepository, seedTarget } from '../../local/seed';
import { startRollout } from '../functions/support';
import { useMoto } from '../support/moto';
import {
  IMAGE,
  live,
  ORCHESTRATOR,
  seed,
  seedPullGrant,
  target,
  targetDeployment,
  useWorkflows,
} from '../support/workflows';

const moto = useMoto();
const engine = useWorkflows();
const dev = target('222222222222', 'us-east-1');
const devEurope = target('222222222222', 'eu-west-1');
const checksOf = (execution: { history: { type: string; state?: string }[] }) =>
  execution.history.filter((e) => e.type === 'StateEntered' && e.state === 'Check image in target region').length;

/** How the team set the service up: its own circuit breaker, deployment limits and an alarm that only fails. */
const TEAM_CONFIGURATION = {
  deploymentCircuitBreaker: { enable: true, rollback: true },
  maximumPercent: 150,
  minimumHealthyPercent: 50,
  alarms: { alarmNames: ['web-latency'], enable: true, rollback: false },
};

async function configureService(deploymentConfiguration: object) {
  const ecs = clientForAccount(ECSClient, dev.account, dev.region);
  try {
    await ecs.send(new UpdateServiceCommand({ cluster: dev.cluster, service: dev.service, deploymentConfiguration }));
  } finally {
    ecs.destroy();
  }
}

/** The service's deployment configuration as DescribeServices answers it (through the ECS scheduler). */
async function deploymentConfigurationNow() {
  const ecs = clientForAccount(ECSClient, dev.account, dev.region);
  try {
    const { services } = await ecs.send(new DescribeServicesCommand({ cluster: dev.cluster, services: [dev.service] }));
    return services?.[0]?.deploymentConfiguration;
  } finally {
    ecs.destroy();
  }
}

/** rollback-target's input for a target of `deployment`, going back to `previous`. */
function rollbackOf(deployment: TargetDeployment, previous: string, overrides: Partial<TargetRollback> = {}) {
  const { deploymentId, serviceName, environment, deployRole, rollout } = deployment.deployment;
  return {
    deploymentId,
    serviceName,
    environment,
    target: deployment.target,
    deployRole,
    revision: { previous },
    rollout,
    reason: { check: 'alarm', evidence: 'alarm web-5xx is ALARM' },
    ...overrides,
  } satisfies TargetRollback;
}

describe('deploy-target workflow (state-machines/deploy-target.asl.json)', () => {
  it('registers a revision pinned by digest, updates the service, waits for the rollout and bakes', async () => {
    await seed([dev]);
    await seedPullGrant([dev]);
    const execution = await engine().run('deploy-target', targetDeployment(dev));

    expect(execution.status).toBe('SUCCEEDED');
    const now = await live(dev);
    expect(now.revision).toBe(2);
    expect(now.containers.find((c) => c.name === 'app')?.image).toBe(IMAGE.uri);
    expect(now.containers.find((c) => c.name === 'log-router')?.image).toContain('aws-for-fluent-bit');
    expect(now.tags).toEqual(
      expect.arrayContaining([
        { key: 'crossdeploy:commit', value: '3f2a9c1'.padEnd(40, '0') },
        { key: 'crossdeploy:deployment-id', value: 'web-dev-3f2a9c1-test' },
      ]),
    );
    expect(execution.output).toMatchObject({ succeeded: true, target: dev, taskDefinitionArn: now.taskDefinitionArn });
  });

  it("names the image's replica in the target's own region, by the same digest, once ECR has replicated it", async () => {
    await seed([devEurope]);
    await seedPullGrant([devEurope]);

    const execution = await engine().run('deploy-target', targetDeployment(devEurope));

    expect(execution.status).toBe('SUCCEEDED');
    const app = (await live(devEurope)).containers.find((c) => c.name === 'app');
    expect(app?.image).toBe(`111111111111.dkr.ecr.eu-west-1.amazonaws.com/web@${IMAGE.digest}`);
    expect(app?.image).toBe(imageIn(IMAGE, 'eu-west-1').uri);
    // The first look finds no replica yet: the deploy waited for it.
    expect(checksOf(execution)).toBe(2);
  });

  it("checks once and waits for nothing when the target runs in the tools account's region", async () => {
    await seed([dev]);
    await seedPullGrant([dev]);

    const execution = await engine().run('deploy-target', targetDeployment(dev));

    expect(checksOf(execution)).toBe(1);
  });

  it('fails with ImageReplicaMissing, naming account, region, repository and digest, when the replica never appears', async () => {
    // No replication rule to eu-west-1: ECR never copies the image there.
    await seedRepository('web', ORCHESTRATOR.region);
    await seedRepository('web', 'eu-west-1');
    await seedImage('web', { digest: IMAGE.digest, tag: 'build' }, ORCHESTRATOR.region);
    await seedLedger(ORCHESTRATOR.region);
    await seedTarget({ ...devEurope, alarms: ['web-5xx'] });

    const execution = await engine().run('deploy-target', targetDeployment(devEurope));

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('ImageReplicaMissing');
    for (const word of ['111111111111/eu-west-1', `web@${IMAGE.digest}`, 'us-east-1', '3 checks 20 s apart']) {
      expect(execution.cause).toContain(word);
    }
    expect(checksOf(execution)).toBe(3);
    expect((await live(devEurope)).revision).toBe(1);
  });

  it('leaves the repository policy alone: deploy-environment wrote it once for every target', async () => {
    await seed([dev]);

    await engine().run('deploy-target', targetDeployment(dev));

    const error = await new ECRClient({})
      .send(new GetRepositoryPolicyCommand({ repositoryName: 'web' }))
      .catch((e: Error) => e);
    expect((error as Error).name).toBe('RepositoryPolicyNotFoundException');
  });

  it('rolls back and fails with DeploymentRolledBack naming the alarm when it fires during the bake', async () => {
    await seed([dev]);
    await seedPullGrant([dev]);
    moto.scheduler().injectFault(dev, { kind: 'alarm-after-rollout', alarm: 'web-5xx' });
    const execution = await engine().run('deploy-target', targetDeployment(dev));

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('DeploymentRolledBack');
    for (const word of ['222222222222', 'us-east-1', 'demo/web', 'alarm', 'web-5xx', 'task-definition/web:1']) {
      expect(execution.cause).toContain(word);
    }
    expect((await live(dev)).revision).toBe(1);
  });

  it('reports a rollout that ECS rolled back by itself as a failure, never as success', async () => {
    await seed([dev]);
    await seedPullGrant([dev]);
    moto.scheduler().injectFault(dev, { kind: 'circuit-breaker' });
    const execution = await engine().run('deploy-target', targetDeployment(dev));

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('DeploymentRolledBack');
    expect(execution.cause).toContain('circuit-breaker');
    expect(execution.cause).toMatch(/circuit breaker/i);
    expect((await live(dev)).revision).toBe(1);
  });

  it("restores the team's deployment configuration once the rollback after a firing alarm has settled", async () => {
    await seed([dev]);
    await configureService(TEAM_CONFIGURATION);
    moto.scheduler().injectFault(dev, { kind: 'alarm-after-rollout', alarm: 'web-5xx' });

    const execution = await engine().run('deploy-target', targetDeployment(dev));

    expect(execution.error).toBe('DeploymentRolledBack');
    expect((await live(dev)).revision).toBe(1);
    expect(await deploymentConfigurationNow()).toEqual(TEAM_CONFIGURATION);
  });

  it("restores the team's deployment configuration after ECS's circuit breaker rolled the deployment back", async () => {
    await seed([dev]);
    await configureService(TEAM_CONFIGURATION);
    moto.scheduler().injectFault(dev, { kind: 'circuit-breaker' });

    const execution = await engine().run('deploy-target', targetDeployment(dev));

    expect(execution.error).toBe('DeploymentRolledBack');
    expect(await deploymentConfigurationNow()).toEqual(TEAM_CONFIGURATION);
  });

  it('turns the alarms crossdeploy armed off again after a rollback when the team had none', async () => {
    await seed([dev]);
    moto.scheduler().injectFault(dev, { kind: 'alarm-after-rollout', alarm: 'web-5xx' });

    await engine().run('deploy-target', targetDeployment(dev));

    expect(await deploymentConfigurationNow()).toEqual({
      deploymentCircuitBreaker: { enable: true, rollback: true },
      maximumPercent: 200,
      minimumHealthyPercent: 100,
      alarms: { alarmNames: [], enable: false, rollback: false },
    });
  });

  it('keeps the rollback, and says what is left to do, when the deployment configuration cannot be put back', async () => {
    await seed([dev]);
    await configureService(TEAM_CONFIGURATION);
    moto.scheduler().injectFault(dev, { kind: 'circuit-breaker' });
    const deployment = targetDeployment(dev);
    const { revision } = await startRollout(deployment);
    // ECS's circuit breaker rolls back by itself, so the only UpdateService left is the restore's.
    moto.scheduler().injectFault(dev, { kind: 'throttle', every: 1, operations: ['UpdateService'] });

    const execution = await engine().run(
      'rollback-target',
      rollbackOf(deployment, revision.previousTaskDefinitionArn, {
        reason: { check: 'circuit-breaker', evidence: 'tasks failed to start' },
        deploymentConfiguration: revision.deploymentConfiguration,
      }),
    );

    expect(execution.status).toBe('SUCCEEDED');
    expect((execution.output as { cause: string }).cause).toContain(
      'its deployment configuration could not be put back (TransientAwsError): restore it with UpdateService',
    );
    expect((await live(dev)).revision).toBe(1);
  });

  it('fails with RollbackFailed, recording why, when the rollback does not settle in its checks', async () => {
    await seed([dev]);
    const deployment = targetDeployment(dev);
    const { revision } = await startRollout(deployment);
    moto.scheduler().injectFault(dev, { kind: 'stuck' });

    const execution = await engine().run(
      'rollback-target',
      rollbackOf(deployment, revision.previousTaskDefinitionArn, { rollout: { intervalSeconds: 15, checks: 1 } }),
    );

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('RollbackFailed');
    expect(execution.cause).toContain('rollout IN_PROGRESS');
    expect(execution.history.filter((e) => e.state === 'Record rollback error in ledger').map((e) => e.type)).toEqual([
      'StateEntered',
      'StateExited',
    ]);
  });

  it('fails terminally, naming the account and role, when the deploy role cannot be assumed', async () => {
    await seed([dev]);
    await seedPullGrant([dev]);
    moto.scheduler().injectFault(dev, { kind: 'deny-assume-role' });
    const execution = await engine().run('deploy-target', targetDeployment(dev));

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('RoleNotAssumable');
    expect(execution.cause).toContain('222222222222');
    expect(execution.cause).toContain('arn:aws:iam::222222222222:role/crossdeploy-deploy');
    expect((await live(dev)).revision).toBe(1);
  });

  it('succeeds when one ECS call in three is throttled, by retrying the throttled steps', async () => {
    await seed([dev]);
    await seedPullGrant([dev]);
    moto.scheduler().injectFault(dev, { kind: 'throttle', every: 3 });
    const execution = await engine().run('deploy-target', targetDeployment(dev));

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.history.filter((e) => e.type === 'StateRetried').length).toBeGreaterThan(0);
    expect((await live(dev)).revision).toBe(2);
  });

  it('registers no second revision when the register step is retried after its answer was lost', async () => {
    await seed([dev]);
    await seedPullGrant([dev]);
    moto.scheduler().injectFault(dev, { kind: 'lose-response', operation: 'RegisterTaskDefinition' });
    const execution = await engine().run('deploy-target', targetDeployment(dev));

    expect(execution.status).toBe('SUCCEEDED');
    expect(
      execution.history.some((e) => e.type === 'StateRetried' && e.state === 'Register task definition revision'),
    ).toBe(true);
    const ecs = clientForAccount(ECSClient, dev.account, dev.region);
    const { taskDefinitionArns } = await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'web' }));
    expect(taskDefinitionArns).toHaveLength(2);
  });

  it('fails terminally with UnsupportedDeploymentController, before touching the service, for a CodeDeploy service', async () => {
    await seed([]);
    await seedTarget({ ...dev, alarms: ['web-5xx'], deploymentController: 'CODE_DEPLOY' });

    const execution = await engine().run('deploy-target', targetDeployment(dev));

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('UnsupportedDeploymentController');
    expect(execution.cause).toContain('CODE_DEPLOY');
    expect(execution.cause).toContain('cluster/service demo/web');
    expect((await live(dev)).revision).toBe(1);
  });

  it('fails with ServiceNotFound, naming the target, when the service does not exist', async () => {
    await seed([dev]);
    await seedPullGrant([dev]);
    const execution = await engine().run('deploy-target', targetDeployment({ ...dev, service: 'missing' }));

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('ServiceNotFound');
    expect(execution.cause).toContain('222222222222/us-east-1');
    expect(execution.cause).toContain('demo/missing');
  });
});
