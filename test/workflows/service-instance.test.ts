import { readFileSync } from 'node:fs';
import {
  CloudFormationClient,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import type { DeploymentSpec, ServiceInstanceSpec } from '../../core/contracts';
import { imageIn } from '../../core/images';
import { type AnyLedgerRecord, isServiceRecord, isStackRecord } from '../../core/ledger';
import { clientForAccount } from '../../local/accounts';
import { useMoto } from '../support/moto';
import {
  environmentStackRun,
  liveStack,
  network,
  publishNetwork,
  publishTemplates,
  stackTarget,
} from '../support/stacks';
import {
  environmentDeployment,
  IMAGE,
  ledgerRecords,
  live,
  runEnvironment,
  seedBuiltImage,
  seedPullGrant,
  target,
  targetDeployment,
  useWorkflows,
} from '../support/workflows';

const moto = useMoto();
const engine = useWorkflows();

const dev = target('222222222222', 'us-east-1');
const devEurope = target('222222222222', 'eu-west-1');

const WEB_SERVICE = { kind: 'services' as const, name: 'web-service', version: 'v1.0' };

/** What the plan gives a service whose map entry names web-service v1.0, in an environment made from network. */
const INSTANCE: ServiceInstanceSpec = {
  template: WEB_SERVICE,
  inputs: { DesiredCount: 3 },
  stackName: 'crossdeploy-svc-web-dev',
  environmentStack: 'crossdeploy-env-dev',
  rollout: { intervalSeconds: 15, checks: 10 },
};

/** A deploy of web with its template; alarms are the image deploy's business, and none exist in a new target. */
const deployment = (t = dev, overrides: Partial<DeploymentSpec> = {}) =>
  targetDeployment(t, { serviceInstance: INSTANCE, health: { alarms: [] }, ...overrides });

/** The network environment template and the fixture service template web-service v1.0, with the ledger. */
async function publish() {
  await publishNetwork();
  await publishTemplates([{ ...WEB_SERVICE, body: webServiceTemplate('v1.0') }]);
}

/** The fixture service template (test/fixtures/stack-templates): v1.1 adds the service's log group. */
const webServiceTemplate = (version: string) =>
  readFileSync(
    new URL(`../fixtures/stack-templates/services/web-service/${version}/template.yaml`, import.meta.url),
    'utf8',
  );

/** The environment's stack, created through its own workflow: cluster `demo` (the map's), roles, network. */
async function provisionEnvironment(...targets: (typeof dev)[]) {
  const run = environmentStackRun(network('v1.1'), { ClusterName: 'demo' }, [
    { targets: targets.map((t) => stackTarget(t.account, t.region)) },
  ]);
  const execution = await runEnvironment(engine(), run);
  expect(execution.status).toBe('SUCCEEDED');
}

/** The service instance's stack as CloudFormation describes it, parameters and last change included. */
async function instanceStack(t = dev) {
  const cloudformation = clientForAccount(CloudFormationClient, t.account, t.region);
  try {
    const { Stacks = [] } = await cloudformation.send(new DescribeStacksCommand({ StackName: INSTANCE.stackName }));
    const stack = Stacks[0];
    return {
      status: stack?.StackStatus,
      lastUpdated: stack?.LastUpdatedTime,
      parameters: Object.fromEntries((stack?.Parameters ?? []).map((p) => [p.ParameterKey, p.ParameterValue])),
    };
  } finally {
    cloudformation.destroy();
  }
}

/** The ledger's records of web's first deploy: the service's, and its instance stack's. */
async function webRecords() {
  const records = (await ledgerRecords()) as AnyLedgerRecord[];
  const web = records.filter((r) => r.serviceName === 'web');
  expect(web).toHaveLength(2);
  return { service: web.find(isServiceRecord), instance: web.find(isStackRecord) };
}

const childrenOf = (executionArn: string) =>
  engine()
    .executions()
    .filter((e) => e.parentArn === executionArn);

describe('a service with a template, through deploy-target (state-machines/deploy-target.asl.json)', () => {
  it("creates the service instance on the first deploy, from the environment's outputs and the deployment's image, then deploys the image", async () => {
    await publish();
    await seedBuiltImage([dev]);
    await provisionEnvironment(dev);
    await seedPullGrant([dev]);
    const environment = await liveStack(stackTarget(dev.account, dev.region));

    const execution = await engine().run('deploy-target', deployment());

    expect(execution.status).toBe('SUCCEEDED');
    const stack = await instanceStack();
    expect(stack.status).toBe('CREATE_COMPLETE');
    expect(stack.parameters).toEqual({
      ClusterName: 'demo',
      TaskExecutionRoleArn: environment?.outputs.TaskExecutionRoleArn,
      ServiceName: 'web',
      ContainerName: 'app',
      Image: IMAGE.uri,
      Port: '8080',
      DesiredCount: '3',
    });
    expect(childrenOf(execution.executionArn).map((e) => [e.stateMachine, e.status])).toEqual([
      ['deploy-stack', 'SUCCEEDED'],
    ]);
    // The template registered web:1; the deploy put web:2 in service, pinned by digest and tagged as every deploy,
    // with the roles the template gave the service.
    const now = await live(dev);
    expect(now.revision).toBe(2);
    expect(now.containers.find((c) => c.name === 'app')?.image).toBe(IMAGE.uri);
    expect(now.roles).toEqual({
      task: 'arn:aws:iam::222222222222:role/web-us-east-1-task',
      execution: environment?.outputs.TaskExecutionRoleArn,
    });
    expect(now.tags).toEqual(
      expect.arrayContaining([{ key: 'crossdeploy:deployment-id', value: 'web-dev-3f2a9c1-test' }]),
    );
    expect(execution.output).toMatchObject({
      succeeded: true,
      revision: { previous: now.taskDefinitionArn.replace(/:2$/, ':1'), current: now.taskDefinitionArn },
    });
    // The ledger keeps the service's record and its instance's beside each other, under one key.
    const { service, instance } = await webRecords();
    expect(service).toMatchObject({ result: 'succeeded', previousTaskDefinitionArn: expect.stringMatching(/web:1$/) });
    expect(instance).toMatchObject({
      deploymentId: 'web-dev-3f2a9c1-test-instance',
      result: 'succeeded',
      stackName: INSTANCE.stackName,
      template: { kind: 'services', name: 'web-service' },
      version: 'v1.0',
    });
    expect(instance?.target).toBe(service?.target);
  });

  it('creates the instance in every target of a wave, deploy-environment starting deploy-target as for any service', async () => {
    await publish();
    await seedBuiltImage([dev, devEurope]);
    await provisionEnvironment(dev, devEurope);
    const run = environmentDeployment([{ targets: [dev, devEurope] }]);

    const execution = await runEnvironment(engine(), {
      ...run,
      deployment: { ...run.deployment, serviceInstance: INSTANCE, health: { alarms: [] } },
    });

    expect(execution.status).toBe('SUCCEEDED');
    for (const t of [dev, devEurope]) {
      expect((await instanceStack(t)).status).toBe('CREATE_COMPLETE');
      expect((await live(t)).revision).toBe(2);
    }
    // Each region's service starts with the image's replica in its own region.
    expect((await instanceStack(devEurope)).parameters.Image).toBe(imageIn(IMAGE, 'eu-west-1').uri);
    const instances = engine()
      .executions()
      .filter(
        (e) => (e.output as { target?: { stackName?: string } } | undefined)?.target?.stackName === INSTANCE.stackName,
      );
    expect(instances.map((e) => [e.stateMachine, e.status])).toEqual([
      ['deploy-stack', 'SUCCEEDED'],
      ['deploy-stack', 'SUCCEEDED'],
    ]);
  });

  it('leaves the service instance alone on later deploys and only deploys the image', async () => {
    await publish();
    await seedBuiltImage([dev]);
    await provisionEnvironment(dev);
    await seedPullGrant([dev]);
    await engine().run('deploy-target', deployment());
    const created = await instanceStack();

    const later = await engine().run('deploy-target', deployment(dev, { deploymentId: 'web-dev-8d1e4b2-test' }));

    expect(later.status).toBe('SUCCEEDED');
    expect(childrenOf(later.executionArn)).toEqual([]);
    expect(later.history.some((e) => e.state === 'Create or update the service instance')).toBe(false);
    expect(await instanceStack()).toEqual(created);
    expect((await live(dev)).revision).toBe(3);
  });

  it("moves the instance to the version the map pins with the next deploy, with that deploy's image, then deploys the image", async () => {
    await publish();
    await publishTemplates([{ ...WEB_SERVICE, version: 'v1.1', body: webServiceTemplate('v1.1') }]);
    await seedBuiltImage([dev]);
    await provisionEnvironment(dev);
    await seedPullGrant([dev]);
    await engine().run('deploy-target', deployment());
    const upgraded = { ...INSTANCE, template: { ...WEB_SERVICE, version: 'v1.1' } };

    const next = await engine().run(
      'deploy-target',
      deployment(dev, { deploymentId: 'web-dev-8d1e4b2-test', serviceInstance: upgraded }),
    );

    expect(next.status).toBe('SUCCEEDED');
    expect(childrenOf(next.executionArn).map((e) => [e.stateMachine, e.status])).toEqual([
      ['deploy-stack', 'SUCCEEDED'],
    ]);
    expect(await liveStack({ account: dev.account, region: dev.region, stackName: INSTANCE.stackName })).toMatchObject({
      status: 'UPDATE_COMPLETE',
      version: 'v1.1',
    });
    const cloudformation = clientForAccount(CloudFormationClient, dev.account, dev.region);
    const { StackResources = [] } = await cloudformation.send(
      new DescribeStackResourcesCommand({ StackName: INSTANCE.stackName }),
    );
    expect(StackResources.find((r) => r.LogicalResourceId === 'Logs')).toMatchObject({
      ResourceType: 'AWS::Logs::LogGroup',
      PhysicalResourceId: '/ecs/web-us-east-1',
    });
    const now = await live(dev);
    expect(now.containers.find((c) => c.name === 'app')?.image).toBe(IMAGE.uri);
    // The image deploy follows the stack's own revision, which already runs this deployment's image.
    expect(now.tags).toEqual(
      expect.arrayContaining([{ key: 'crossdeploy:deployment-id', value: 'web-dev-8d1e4b2-test' }]),
    );
  });

  it('puts the instance back on the version it ran before when the deploy that moved it fails, then the service', async () => {
    await publish();
    await publishTemplates([{ ...WEB_SERVICE, version: 'v1.1', body: webServiceTemplate('v1.1') }]);
    await seedBuiltImage([dev]);
    await provisionEnvironment(dev);
    await seedPullGrant([dev]);
    await engine().run('deploy-target', deployment());
    const before = (await live(dev)).revision;
    moto.scheduler().injectFault(dev, { kind: 'circuit-breaker' });
    const upgraded = { ...INSTANCE, template: { ...WEB_SERVICE, version: 'v1.1' } };

    const failed = await engine().run(
      'deploy-target',
      deployment(dev, { deploymentId: 'web-dev-8d1e4b2-test', serviceInstance: upgraded }),
    );

    expect(failed.status).toBe('FAILED');
    const rollback = childrenOf(failed.executionArn).find((e) => e.stateMachine === 'rollback-target');
    expect(rollback?.status).toBe('SUCCEEDED');
    expect(childrenOf(rollback?.executionArn ?? '').map((e) => [e.stateMachine, e.status])).toEqual([
      ['rollback-stack', 'SUCCEEDED'],
    ]);
    expect(await liveStack({ account: dev.account, region: dev.region, stackName: INSTANCE.stackName })).toMatchObject({
      status: 'UPDATE_COMPLETE',
      version: 'v1.0',
    });
    expect((await live(dev)).revision).toBe(before);
    const records = ((await ledgerRecords()) as AnyLedgerRecord[]).filter((r) =>
      r.deploymentId.startsWith('web-dev-8d1e4b2-test'),
    );
    expect(records.map((r) => [r.deploymentId, r.result]).sort()).toEqual([
      ['web-dev-8d1e4b2-test', 'rolled-back'],
      ['web-dev-8d1e4b2-test-instance', 'rolled-back'],
    ]);
  });

  it('keeps an instance the failed deploy created: the service goes back to the revision its template registered', async () => {
    await publish();
    await seedBuiltImage([dev]);
    await provisionEnvironment(dev);
    await seedPullGrant([dev]);
    moto.scheduler().injectFault(dev, { kind: 'circuit-breaker' });

    const failed = await engine().run('deploy-target', deployment());

    expect(failed.status).toBe('FAILED');
    const rollback = childrenOf(failed.executionArn).find((e) => e.stateMachine === 'rollback-target');
    expect(rollback?.status).toBe('SUCCEEDED');
    expect(childrenOf(rollback?.executionArn ?? '')).toEqual([]);
    expect(await liveStack({ account: dev.account, region: dev.region, stackName: INSTANCE.stackName })).toMatchObject({
      status: 'CREATE_COMPLETE',
      version: 'v1.0',
    });
  });

  it("fails the target with CloudFormation's reason when the service template cannot be created, and changes nothing else", async () => {
    await publish();
    await seedBuiltImage([dev]);
    await provisionEnvironment(dev);
    await seedPullGrant([dev]);
    // The task role the template creates already exists in the account: CloudFormation cannot create it.
    const iam = clientForAccount(IAMClient, dev.account, dev.region);
    await iam.send(new CreateRoleCommand({ RoleName: 'web-us-east-1-task', AssumeRolePolicyDocument: '{}' }));
    iam.destroy();

    const execution = await engine().run('deploy-target', deployment());

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('StackRolledBack');
    expect(execution.cause).toContain('222222222222/us-east-1');
    expect(execution.cause).toMatch(
      /ROLLBACK_COMPLETE after resource TaskRole \(AWS::IAM::Role\) CREATE_FAILED: .*web-us-east-1-task/,
    );
    expect((await instanceStack()).status).toBe('ROLLBACK_COMPLETE');
    expect(execution.history.some((e) => e.state === 'Register task definition revision')).toBe(false);
    expect(
      engine()
        .executions()
        .filter((e) => e.stateMachine === 'rollback-target'),
    ).toEqual([]);
    const { service, instance } = await webRecords();
    expect(service).toMatchObject({ result: 'failed', taskDefinitionArn: null });
    expect(service?.rollbackReason).toMatch(/^StackRolledBack: .*TaskRole/);
    expect(instance).toMatchObject({ result: 'failed', stackName: INSTANCE.stackName });
  });

  it('fails with StackParametersUnresolved, saying to deploy the environment first, when its stack is missing', async () => {
    await publish();
    await seedBuiltImage([dev]);
    await seedPullGrant([dev]);

    const execution = await engine().run('deploy-target', deployment());

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('StackParametersUnresolved');
    expect(execution.cause).toContain('crossdeploy-env-dev does not exist in 222222222222/us-east-1');
    expect(execution.cause).toContain('crossdeploy env deploy dev');
    expect(await liveStack({ ...dev, stackName: INSTANCE.stackName })).toBeUndefined();
  });
});
