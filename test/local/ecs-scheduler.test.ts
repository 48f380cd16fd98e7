import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { BatchGetImageCommand, ECRClient } from '@aws-sdk/client-ecr';
import {
  DescribeClustersCommand,
  DescribeServicesCommand,
  ECSClient,
  ListClustersCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Platform } from '../../core/platform';
import { clientForAccount } from '../../local/accounts';
import { buildImage } from '../../local/builder';
import { seedPullGrant } from '../../local/seed';
import { type SeededTarget, seedRepository, seedTarget, useMoto } from '../support/moto';

const aws = useMoto();
const DEV = { account: '222222222222', region: 'us-east-1' };
const PROD = { account: '333333333333', region: 'us-east-1' };
// These tests read a rollout step by step, one per DescribeServices: no timer may take a step between two looks.
beforeEach(() => aws.scheduler().setRolloutStepMs(Number.POSITIVE_INFINITY));

/** An ECS client acting in `account` the way the product does: credentials assumed through the scheduler. */
async function ecsAs(where: { account: string; region: string }, endpoint?: string): Promise<ECSClient> {
  const sts = new STSClient({ region: where.region, ...(endpoint && { endpoint }) });
  const { Credentials: c } = await sts.send(
    new AssumeRoleCommand({
      RoleArn: `arn:aws:iam::${where.account}:role/crossdeploy-deploy`,
      RoleSessionName: 'test',
    }),
  );
  if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error('AssumeRole returned no credentials');
  return new ECSClient({
    region: where.region,
    ...(endpoint && { endpoint }),
    credentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken },
  });
}

/** Registers revision 2 of the seeded family and points the service at it. */
async function deployNewRevision(ecs: ECSClient, seeded: SeededTarget, image = 'web:v2') {
  const { taskDefinition } = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: seeded.target.service,
      containerDefinitions: [{ name: seeded.target.container, image, memory: 512 }],
    }),
  );
  const { service } = await ecs.send(
    new UpdateServiceCommand({
      cluster: seeded.target.cluster,
      service: seeded.target.service,
      // The short form, as a person would type it: ECS answers with the full ARN all the same.
      taskDefinition: `${seeded.target.service}:${taskDefinition?.revision}`,
    }),
  );
  return { service, newRevision: taskDefinition?.taskDefinitionArn ?? '' };
}

const COMMIT = '3f2a9c1e4b5d6a7f8091a2b3c4d5e6f708192a3b';

/** Builds the commit for these platforms; `index` is the tag's image index, `manifest` its first platform's. */
async function builtFor(platforms: Platform[]): Promise<{ index: string; manifest: string }> {
  const { repositoryUri } = await seedRepository('web');
  const ecr = new ECRClient({});
  const built = await buildImage({ ecr, repository: 'web', commit: COMMIT, service: 'web', platforms });
  await seedPullGrant('web', { accounts: [DEV.account] }, ['us-east-1']);
  const { images } = await ecr.send(
    new BatchGetImageCommand({ repositoryName: 'web', imageIds: [{ imageDigest: built.digest }] }),
  );
  const { manifests } = JSON.parse(images?.[0]?.imageManifest ?? '{}') as { manifests: { digest: string }[] };
  return { index: built.uri, manifest: `${repositoryUri}@${manifests[0]?.digest}` };
}

async function describeService(ecs: ECSClient, seeded: SeededTarget) {
  const { services } = await ecs.send(
    new DescribeServicesCommand({ cluster: seeded.target.cluster, services: [seeded.target.service] }),
  );
  const service = services?.[0];
  if (!service) throw new Error(`${seeded.serviceArn} not described`);
  return service;
}

async function alarmState(where: { account: string; region: string }, alarm: string) {
  const cloudwatch = clientForAccount(CloudWatchClient, where.account, where.region);
  const { MetricAlarms } = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [alarm] }));
  return MetricAlarms?.[0]?.StateValue;
}

async function errorNameOf(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return 'ok';
  } catch (error) {
    return (error as Error).name;
  }
}

describe('ECS scheduler simulator', () => {
  it('completes a rollout after two DescribeServices, keeping the deployment configuration moto drops', async () => {
    const seeded = await seedTarget(DEV);
    const ecs = await ecsAs(DEV);

    const { service: updated, newRevision } = await deployNewRevision(ecs, seeded);
    const first = await describeService(ecs, seeded);
    const second = await describeService(ecs, seeded);

    expect(updated?.taskDefinition).toBe(newRevision);
    expect(updated?.deployments?.map((d) => [d.status, d.taskDefinition, d.rolloutState])).toEqual([
      ['PRIMARY', newRevision, 'IN_PROGRESS'],
      ['ACTIVE', seeded.taskDefinitionArn, 'COMPLETED'],
    ]);
    expect(updated?.deploymentConfiguration?.deploymentCircuitBreaker).toEqual({ enable: true, rollback: true });
    expect(first.deployments?.[0]).toMatchObject({ rolloutState: 'IN_PROGRESS', runningCount: 1, desiredCount: 2 });
    expect(second).toMatchObject({ taskDefinition: newRevision, runningCount: 2, pendingCount: 0, desiredCount: 2 });
    expect(second.deployments).toHaveLength(1);
    expect(second.deployments?.[0]).toMatchObject({ status: 'PRIMARY', rolloutState: 'COMPLETED' });
    expect(second.events?.map((e) => e.message)).toEqual([
      '(service web) has reached a steady state.',
      `(service web) (deployment ${second.deployments?.[0]?.id}) deployment completed.`,
    ]);
    expect(second.events?.[0]?.createdAt).toBeInstanceOf(Date);
  });

  it('takes a service CloudFormation created as steady on its first revision, and rolls an update of it out', async () => {
    // Created inside moto by the stack, so the scheduler never sees a CreateService.
    const cloudformation = clientForAccount(CloudFormationClient, DEV.account, DEV.region);
    await cloudformation.send(
      new CreateStackCommand({
        StackName: 'crossdeploy-svc-web-dev',
        TemplateBody: JSON.stringify({
          Resources: {
            Cluster: { Type: 'AWS::ECS::Cluster', Properties: { ClusterName: 'main' } },
            TaskDefinition: {
              Type: 'AWS::ECS::TaskDefinition',
              Properties: { Family: 'web', ContainerDefinitions: [{ Name: 'app', Image: 'web:v1', Memory: 512 }] },
            },
            Service: {
              Type: 'AWS::ECS::Service',
              Properties: {
                Cluster: { Ref: 'Cluster' },
                ServiceName: 'web',
                TaskDefinition: { Ref: 'TaskDefinition' },
                DesiredCount: 2,
              },
            },
          },
        }),
      }),
    );
    cloudformation.destroy();
    const created: SeededTarget = {
      target: { ...DEV, cluster: 'main', service: 'web', container: 'app' },
      clusterArn: `arn:aws:ecs:${DEV.region}:${DEV.account}:cluster/main`,
      alarms: [],
      serviceArn: `arn:aws:ecs:${DEV.region}:${DEV.account}:service/main/web`,
      taskDefinitionArn: `arn:aws:ecs:${DEV.region}:${DEV.account}:task-definition/web:1`,
    };
    const ecs = await ecsAs(DEV);

    const steady = await describeService(ecs, created);
    const { newRevision } = await deployNewRevision(ecs, created);
    const first = await describeService(ecs, created);
    const second = await describeService(ecs, created);

    expect(steady).toMatchObject({ taskDefinition: created.taskDefinitionArn, runningCount: 2, desiredCount: 2 });
    expect(steady.deployments?.map((d) => [d.status, d.rolloutState])).toEqual([['PRIMARY', 'COMPLETED']]);
    expect(first.deployments?.[0]).toMatchObject({ taskDefinition: newRevision, rolloutState: 'IN_PROGRESS' });
    expect(second).toMatchObject({ taskDefinition: newRevision, runningCount: 2, pendingCount: 0 });
    expect(second.deployments?.map((d) => [d.status, d.rolloutState])).toEqual([['PRIMARY', 'COMPLETED']]);
  });

  it('trips the circuit breaker: the rollout FAILS and ECS rolls back to the old revision by itself', async () => {
    const seeded = await seedTarget(DEV);
    aws.scheduler().injectFault(DEV, { kind: 'circuit-breaker' });
    const ecs = await ecsAs(DEV);

    const { service: updated, newRevision } = await deployNewRevision(ecs, seeded);
    const failing = await describeService(ecs, seeded);
    const rollingBack = await describeService(ecs, seeded);
    const restored = await describeService(ecs, seeded);

    expect(failing.deployments?.[0]).toMatchObject({ taskDefinition: newRevision, failedTasks: 2 });
    expect(failing.events?.[0]?.message).toMatch(
      /^\(service web\) \(task [0-9a-f]{32}\) failed container health checks\.$/,
    );
    expect(rollingBack.deployments?.map((d) => [d.status, d.taskDefinition, d.rolloutState])).toEqual([
      ['PRIMARY', seeded.taskDefinitionArn, 'IN_PROGRESS'],
      ['ACTIVE', newRevision, 'FAILED'],
    ]);
    expect(rollingBack.deployments?.[1]?.rolloutStateReason).toBe(
      'ECS deployment circuit breaker: tasks failed to start.',
    );
    expect(rollingBack.events?.slice(0, 2).map((e) => e.message)).toEqual([
      `(service web) rolling back to deployment ${updated?.deployments?.[1]?.id}.`,
      `(service web) (deployment ${updated?.deployments?.[0]?.id}) deployment failed: tasks failed to start.`,
    ]);
    expect(restored).toMatchObject({ taskDefinition: seeded.taskDefinitionArn, runningCount: 2 });
    expect(restored.deployments?.map((d) => [d.status, d.rolloutState])).toEqual([['PRIMARY', 'COMPLETED']]);

    const straightToMoto = await ecsAs(DEV, aws.motoEndpoint());
    const { services } = await straightToMoto.send(
      new DescribeServicesCommand({ cluster: seeded.clusterArn, services: [seeded.serviceArn] }),
    );
    expect(services?.[0]?.taskDefinition).toBe(seeded.taskDefinitionArn);
  });

  it('raises the alarm when the faulty rollout completes and returns it to OK after the next deployment', async () => {
    const seeded = await seedTarget({ ...DEV, alarms: ['web-5xx'] });
    aws.scheduler().injectFault(DEV, { kind: 'alarm-after-rollout', alarm: 'web-5xx' });
    const ecs = await ecsAs(DEV);

    await deployNewRevision(ecs, seeded);
    await describeService(ecs, seeded);
    const beforeCompletion = await alarmState(DEV, 'web-5xx');
    await describeService(ecs, seeded);
    const afterRollout = await alarmState(DEV, 'web-5xx');
    await ecs.send(
      new UpdateServiceCommand({ cluster: 'main', service: 'web', taskDefinition: seeded.taskDefinitionArn }),
    );
    await describeService(ecs, seeded);
    await describeService(ecs, seeded);
    const afterRollback = await alarmState(DEV, 'web-5xx');

    expect([beforeCompletion, afterRollout, afterRollback]).toEqual(['OK', 'ALARM', 'OK']);
  });

  it('answers exactly every 3rd call of an ECS operation there with ThrottlingException', async () => {
    await seedTarget(DEV);
    aws.scheduler().injectFault(DEV, { kind: 'throttle', every: 3 });
    const ecs = await ecsAs(DEV);

    const outcomes = [];
    for (let i = 0; i < 6; i++) outcomes.push(await errorNameOf(ecs.send(new ListClustersCommand({}))));

    expect(outcomes).toEqual(['ok', 'ok', 'ThrottlingException', 'ok', 'ok', 'ThrottlingException']);
    expect(aws.scheduler().stats().calls['ecs:ListClusters']).toBe(6);
  });

  it('throttles only the named operations when the fault names some', async () => {
    await seedTarget(DEV);
    aws.scheduler().injectFault(DEV, { kind: 'throttle', every: 2, operations: ['DescribeClusters'] });
    const ecs = await ecsAs(DEV);

    const outcomes = [
      await errorNameOf(ecs.send(new ListClustersCommand({}))),
      await errorNameOf(ecs.send(new DescribeClustersCommand({}))),
      await errorNameOf(ecs.send(new ListClustersCommand({}))),
      await errorNameOf(ecs.send(new DescribeClustersCommand({}))),
    ];

    expect(outcomes).toEqual(['ok', 'ok', 'ok', 'ThrottlingException']);
  });

  it('spares fixture calls (moto account header) from faults, so tests can look at a faulty account', async () => {
    await seedTarget(DEV);
    aws.scheduler().injectFault(DEV, { kind: 'throttle', every: 1 });
    const fixture = clientForAccount(ECSClient, DEV.account, DEV.region);
    const product = await ecsAs(DEV);

    const outcomes = [
      await errorNameOf(fixture.send(new ListClustersCommand({}))),
      await errorNameOf(product.send(new ListClustersCommand({}))),
    ];

    expect(outcomes).toEqual(['ok', 'ThrottlingException']);
  });

  it('keeps a rollout IN_PROGRESS while the account/region is stuck and lets it finish once faults are cleared', async () => {
    const seeded = await seedTarget(DEV);
    aws.scheduler().injectFault(DEV, { kind: 'stuck' });
    const ecs = await ecsAs(DEV);

    await deployNewRevision(ecs, seeded);
    const states = [];
    for (let i = 0; i < 4; i++) states.push((await describeService(ecs, seeded)).deployments?.[0]?.rolloutState);
    aws.scheduler().clearFaults();
    await describeService(ecs, seeded);
    states.push((await describeService(ecs, seeded)).deployments?.[0]?.rolloutState);

    expect(states).toEqual(['IN_PROGRESS', 'IN_PROGRESS', 'IN_PROGRESS', 'IN_PROGRESS', 'COMPLETED']);
  });

  it('puts calls made with credentials assumed into one account there, untouched by faults of another account', async () => {
    const devSeed = await seedTarget(DEV);
    const prodSeed = await seedTarget(PROD);
    aws.scheduler().injectFault(PROD, { kind: 'circuit-breaker' });
    const dev = await ecsAs(DEV);
    const prod = await ecsAs(PROD);

    const { service: devUpdated } = await deployNewRevision(dev, devSeed);
    await deployNewRevision(prod, prodSeed);
    await describeService(dev, devSeed);
    await describeService(prod, prodSeed);
    const devAfter = await describeService(dev, devSeed);
    const prodAfter = await describeService(prod, prodSeed);

    expect(devUpdated?.serviceArn).toBe('arn:aws:ecs:us-east-1:222222222222:service/main/web');
    expect(devAfter.deployments?.map((d) => d.rolloutState)).toEqual(['COMPLETED']);
    expect(prodAfter.deployments?.map((d) => d.rolloutState)).toEqual(['IN_PROGRESS', 'FAILED']);
  });

  it('refuses AssumeRole into a denied account with AccessDenied and lets other accounts in', async () => {
    aws.scheduler().injectFault(DEV, { kind: 'deny-assume-role' });

    const outcomes = [await errorNameOf(ecsAs(DEV)), await errorNameOf(ecsAs(PROD))];

    expect(outcomes).toEqual(['AccessDenied', 'ok']);
  });

  it('loses the answer of a call that took effect: the caller sees a 500, moto has the change', async () => {
    const seeded = await seedTarget(DEV);
    aws.scheduler().injectFault(DEV, { kind: 'lose-response', operation: 'RegisterTaskDefinition' });
    const ecs = await ecsAs(DEV);

    const lost = await errorNameOf(deployNewRevision(ecs, seeded));
    const { service } = await deployNewRevision(ecs, seeded);

    expect(lost).toBe('InternalFailure');
    expect(service?.taskDefinition).toMatch(/task-definition\/web:3$/);
  });

  it('counts every AWS call it receives by service and operation', async () => {
    const seeded = await seedTarget(DEV);
    aws.scheduler().reset();
    const ecs = await ecsAs(DEV);

    await deployNewRevision(ecs, seeded);
    await describeService(ecs, seeded);

    expect(aws.scheduler().stats().calls).toEqual({
      'sts:AssumeRole': 1,
      'ecs:RegisterTaskDefinition': 1,
      'ecs:UpdateService': 1,
      'ecs:DescribeServices': 1,
    });
  });

  describe('image platforms against the task definition (X86_64 without runtimePlatform)', () => {
    it('fails every task of an arm64-only manifest with exec format error and lets the circuit breaker roll back', async () => {
      const seeded = await seedTarget(DEV);
      const { manifest } = await builtFor(['linux/arm64']);
      const ecs = await ecsAs(DEV);

      const { newRevision } = await deployNewRevision(ecs, seeded, manifest);
      const failing = await describeService(ecs, seeded);
      const rollingBack = await describeService(ecs, seeded);
      const restored = await describeService(ecs, seeded);

      expect(failing.deployments?.[0]).toMatchObject({ taskDefinition: newRevision, failedTasks: 2 });
      expect(failing.events?.slice(0, 2).map((e) => e.message)).toEqual([
        expect.stringMatching(
          /^\(service web\) \(task [0-9a-f]{32}\) failed to start: Essential container in task exited: container app \(built for linux\/arm64\) exited with code 1: exec format error$/,
        ),
        expect.stringMatching(/exec format error$/),
      ]);
      expect(rollingBack.deployments?.map((d) => [d.status, d.taskDefinition, d.rolloutState])).toEqual([
        ['PRIMARY', seeded.taskDefinitionArn, 'IN_PROGRESS'],
        ['ACTIVE', newRevision, 'FAILED'],
      ]);
      expect(rollingBack.deployments?.[1]?.rolloutStateReason).toBe(
        'ECS deployment circuit breaker: tasks failed to start.',
      );
      expect(restored).toMatchObject({ taskDefinition: seeded.taskDefinitionArn, runningCount: 2 });
    });

    it('fails the pull of an index that lists no linux/amd64 manifest, as Fargate words it', async () => {
      const seeded = await seedTarget(DEV);
      const { index } = await builtFor(['linux/arm64']);
      const ecs = await ecsAs(DEV);

      await deployNewRevision(ecs, seeded, index);
      const failing = await describeService(ecs, seeded);

      expect(failing.events?.[0]?.message).toMatch(
        /failed to start: CannotPullContainerError: pull image manifest has been retried 5 time\(s\): image Manifest does not contain descriptor matching platform 'linux\/amd64'$/,
      );
    });

    it('rolls out an image built for the platform the task definition runs on', async () => {
      const seeded = await seedTarget(DEV);
      const multi = await builtFor(['linux/amd64', 'linux/arm64']);
      const ecs = await ecsAs(DEV);

      const { newRevision } = await deployNewRevision(ecs, seeded, multi.index);
      await describeService(ecs, seeded);
      const done = await describeService(ecs, seeded);

      expect(done).toMatchObject({ taskDefinition: newRevision, runningCount: 2 });
      expect(done.deployments?.map((d) => [d.status, d.rolloutState])).toEqual([['PRIMARY', 'COMPLETED']]);
    });

    it('rolls out an arm64-only manifest to a task definition whose runtimePlatform says ARM64', async () => {
      const seeded = await seedTarget(DEV);
      const { manifest } = await builtFor(['linux/arm64']);
      const ecs = await ecsAs(DEV);
      const { taskDefinition } = await ecs.send(
        new RegisterTaskDefinitionCommand({
          family: seeded.target.service,
          runtimePlatform: { cpuArchitecture: 'ARM64', operatingSystemFamily: 'LINUX' },
          containerDefinitions: [{ name: seeded.target.container, image: manifest, memory: 512 }],
        }),
      );
      await ecs.send(
        new UpdateServiceCommand({
          cluster: seeded.target.cluster,
          service: seeded.target.service,
          taskDefinition: taskDefinition?.taskDefinitionArn,
        }),
      );
      await describeService(ecs, seeded);
      const done = await describeService(ecs, seeded);

      expect(done).toMatchObject({ taskDefinition: taskDefinition?.taskDefinitionArn, runningCount: 2 });
    });
  });

  describe('rollouts that move on with time', () => {
    beforeEach(() => aws.scheduler().setRolloutStepMs(1));

    const eventNames = () =>
      aws
        .scheduler()
        .events()
        .map((e) => e.detail.eventName);
    const completed = () => expect(eventNames()).toContain('SERVICE_DEPLOYMENT_COMPLETED');

    it('completes a rollout nobody looks at and puts what ECS would say on the target account bus', async () => {
      const seeded = await seedTarget(DEV);
      const ecs = await ecsAs(DEV);

      const { service: updated } = await deployNewRevision(ecs, seeded);
      await vi.waitFor(completed);
      const done = await describeService(ecs, seeded);

      const deploymentId = updated?.deployments?.[0]?.id;
      expect(aws.scheduler().events()).toEqual([
        expect.objectContaining({
          ...DEV,
          detailType: 'ECS Deployment State Change',
          resources: [seeded.serviceArn],
          detail: expect.objectContaining({ eventName: 'SERVICE_DEPLOYMENT_IN_PROGRESS', deploymentId }),
        }),
        expect.objectContaining({ detail: expect.objectContaining({ eventName: 'SERVICE_DEPLOYMENT_COMPLETED' }) }),
      ]);
      expect(done.deployments?.map((d) => [d.id, d.rolloutState])).toEqual([[deploymentId, 'COMPLETED']]);
    });

    it('holds a stuck rollout, and finishes it by itself once the fault is cleared', async () => {
      const seeded = await seedTarget(DEV);
      aws.scheduler().injectFault(DEV, { kind: 'stuck' });
      const ecs = await ecsAs(DEV);

      await deployNewRevision(ecs, seeded);
      const states = [];
      for (let i = 0; i < 5; i++) states.push((await describeService(ecs, seeded)).deployments?.[0]?.rolloutState);
      const whileStuck = eventNames();
      aws.scheduler().clearFaults();
      await vi.waitFor(completed);

      expect(states).toEqual(Array(5).fill('IN_PROGRESS'));
      expect(whileStuck).toEqual(['SERVICE_DEPLOYMENT_IN_PROGRESS']);
    });

    it('takes one step at a time per service: concurrent looks and timed steps say each change once', async () => {
      const seeded = await seedTarget(DEV);
      aws.scheduler().injectFault(DEV, { kind: 'circuit-breaker' });
      const ecs = await ecsAs(DEV);

      await deployNewRevision(ecs, seeded);
      await Promise.all(Array.from({ length: 8 }, () => describeService(ecs, seeded)));
      await vi.waitFor(completed);

      expect(eventNames()).toEqual([
        'SERVICE_DEPLOYMENT_IN_PROGRESS',
        'SERVICE_DEPLOYMENT_FAILED',
        'SERVICE_DEPLOYMENT_IN_PROGRESS',
        'SERVICE_DEPLOYMENT_COMPLETED',
      ]);
    });

    it('refuses a pace that is not a positive number of milliseconds, and forgets its events on reset', async () => {
      const seeded = await seedTarget(DEV);
      aws.scheduler().setRolloutStepMs(Number.POSITIVE_INFINITY);
      await deployNewRevision(await ecsAs(DEV), seeded);

      expect(() => aws.scheduler().setRolloutStepMs(0)).toThrow(RangeError);
      expect(eventNames()).toEqual(['SERVICE_DEPLOYMENT_IN_PROGRESS']);
      aws.scheduler().reset();
      expect(aws.scheduler().events()).toEqual([]);
    });
  });
});
