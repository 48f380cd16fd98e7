import { describe, expect, it } from 'vitest';
import { type DeploymentSpec, type DeployTarget, targetStackDeployment } from '../../core/contracts';
import type { AnyLedgerRecord, LedgerResult } from '../../core/ledger';
import {
  deploymentParametersOf,
  instanceToPutBack,
  serviceInstanceDeployment,
} from '../../core/stacks/service-instance';

const IMAGE = {
  repositoryUri: '111111111111.dkr.ecr.us-east-1.amazonaws.com/web',
  digest: `sha256:${'ab'.repeat(32)}`,
  uri: `111111111111.dkr.ecr.us-east-1.amazonaws.com/web@sha256:${'ab'.repeat(32)}`,
  platforms: ['linux/amd64'],
};

const INSTANCE = {
  template: { kind: 'services' as const, name: 'web-service', version: 'v1.2' },
  inputs: { DesiredCount: 3 },
  stackName: 'crossdeploy-svc-web-dev',
  environmentStack: 'crossdeploy-env-dev',
  rollout: { intervalSeconds: 15, checks: 240 },
};

const DEPLOYMENT: DeploymentSpec = {
  deploymentId: 'web-main-3f2a9c1-abcd1234-dev',
  serviceName: 'web',
  environment: 'dev',
  commit: '3f2a9c1'.padEnd(40, '0'),
  image: IMAGE,
  orchestrator: { account: '111111111111', region: 'us-east-1' },
  deployRole: { name: 'crossdeploy-deploy', externalId: 'ext' },
  ecr: {
    repository: 'web',
    accounts: ['222222222222'],
    regions: ['eu-west-1', 'us-east-1'],
    replica: { intervalSeconds: 20, checks: 90 },
  },
  taskDefinitionTemplate: null,
  serviceInstance: INSTANCE,
  health: { alarms: ['web-5xx'] },
  rollout: { intervalSeconds: 15, checks: 120 },
  bake: { intervalSeconds: 30, checks: 2 },
  context: { kind: 'deploy', pipelineId: 'web-main-3f2a9c1-abcd1234', approval: null, requestedBy: null },
};

const target = (region: string, names: Partial<DeployTarget> = {}): DeployTarget => ({
  account: '222222222222',
  region,
  cluster: 'apps',
  service: 'web',
  container: 'app',
  ...names,
});

describe('deploymentParametersOf', () => {
  it.each([
    [
      "the tools account's region",
      target('us-east-1'),
      { Image: IMAGE.uri, ClusterName: 'apps', ServiceName: 'web', ContainerName: 'app' },
    ],
    [
      "another region, whose replica it names, and the target's own cluster and service",
      target('eu-west-1', { cluster: 'apps-eu', service: 'web-eu' }),
      {
        Image: `111111111111.dkr.ecr.eu-west-1.amazonaws.com/web@${IMAGE.digest}`,
        ClusterName: 'apps-eu',
        ServiceName: 'web-eu',
        ContainerName: 'app',
      },
    ],
  ])('gives a target in %s its image by digest and the names the map gives it', (_, t, expected) => {
    expect(deploymentParametersOf(DEPLOYMENT, t)).toEqual(expected);
  });
});

describe('serviceInstanceDeployment', () => {
  it("is deploy-stack's input: the service template's stack in the target, as the deployment and its context", () => {
    const stack = serviceInstanceDeployment(DEPLOYMENT, target('eu-west-1'));

    expect(targetStackDeployment.parse(stack)).toEqual(stack);
    expect(stack).toEqual({
      deployment: {
        deploymentId: `${DEPLOYMENT.deploymentId}-instance`,
        serviceName: 'web',
        environment: 'dev',
        commit: DEPLOYMENT.commit,
        orchestrator: DEPLOYMENT.orchestrator,
        deployRole: { name: 'crossdeploy-deploy', externalId: 'ext' },
        template: INSTANCE.template,
        inputs: { DesiredCount: 3 },
        environmentStack: 'crossdeploy-env-dev',
        deploymentParameters: deploymentParametersOf(DEPLOYMENT, target('eu-west-1')),
        health: { alarms: [] },
        rollout: { intervalSeconds: 15, checks: 240 },
        bake: { intervalSeconds: 0, checks: 0 },
        context: DEPLOYMENT.context,
      },
      target: { account: '222222222222', region: 'eu-west-1', stackName: 'crossdeploy-svc-web-dev' },
    });
  });

  it('is nothing for a service without a template', () => {
    expect(serviceInstanceDeployment({ ...DEPLOYMENT, serviceInstance: null }, target('us-east-1'))).toBeNull();
  });
});

describe('instanceToPutBack: what a failed deploy puts back of the instance stack it changed', () => {
  const UPDATE = JSON.stringify({
    template: { kind: 'services', name: 'web-service', version: 'v1.0' },
    parameters: [{ ParameterKey: 'DesiredCount', ParameterValue: '3' }],
  });
  const CREATE = JSON.stringify({ template: null, parameters: [] });
  const stackRecord = (previousRevision: string | null, result: LedgerResult): AnyLedgerRecord =>
    ({
      targetKind: 'cloudformation-stack',
      stackName: 'crossdeploy-svc-web-dev',
      previousRevision,
      result,
    }) as AnyLedgerRecord;

  it.each<[string, AnyLedgerRecord | undefined, boolean]>([
    ['a deploy that moved it to another version', stackRecord(UPDATE, 'succeeded'), true],
    ['a move still under way when the deploy stopped', stackRecord(UPDATE, 'in-progress'), true],
    ['nothing: the deploy did not touch the instance', undefined, false],
    ['nothing for a stack the deploy created: the service it holds stays', stackRecord(CREATE, 'succeeded'), false],
    ['nothing before the change set said what ran there', stackRecord(null, 'failed'), false],
    ['nothing once CloudFormation rolled the move back itself', stackRecord(UPDATE, 'failed'), false],
    ['nothing once put back', stackRecord(UPDATE, 'rolled-back'), false],
    [
      "nothing for the service's own record",
      { targetKind: 'ecs-service', previousTaskDefinitionArn: 'web:1', result: 'succeeded' } as AnyLedgerRecord,
      false,
    ],
  ])('%s', (_, record, putBack) => {
    expect(instanceToPutBack(record)).toEqual(
      putBack ? { stackName: 'crossdeploy-svc-web-dev', previous: UPDATE } : null,
    );
  });
});
