// The local stand-in's CloudFormation (local/moto/cloudformation_patch.py), held to what AWS does where the stack
// workflow depends on it: change sets, the status a failed resource leaves a stack in, its events, refusals, and the
// resources a service instance's template creates.

import {
  type Capability,
  type ChangeSetType,
  CloudFormationClient,
  CreateChangeSetCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  type Stack,
  type StackEvent,
} from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { beforeEach, describe, expect, it } from 'vitest';
import { clientForAccount } from '../../local/accounts';
import { useMoto } from '../support/moto';

const aws = useMoto();

const ACCOUNT = '222222222222';
const REGION = 'eu-west-1';
const STACK = 'crossdeploy-network';

let cloudformation: CloudFormationClient;
beforeEach(() => {
  cloudformation = clientForAccount(CloudFormationClient, ACCOUNT, REGION);
});

/** A VPC with the given subnets (logical id → CIDR), its id, the Env parameter and each subnet's id as outputs. */
function network(subnets: Record<string, string>): string {
  const resources: Record<string, unknown> = {
    Vpc: { Type: 'AWS::EC2::VPC', Properties: { CidrBlock: '10.0.0.0/16' } },
  };
  const outputs: Record<string, unknown> = { VpcId: { Value: { Ref: 'Vpc' } }, Env: { Value: { Ref: 'Env' } } };
  for (const [name, cidr] of Object.entries(subnets)) {
    resources[name] = { Type: 'AWS::EC2::Subnet', Properties: { VpcId: { Ref: 'Vpc' }, CidrBlock: cidr } };
    outputs[`${name}Id`] = { Value: { Ref: name } };
  }
  return JSON.stringify({ Parameters: { Env: { Type: 'String' } }, Resources: resources, Outputs: outputs });
}

interface ChangeSet {
  type: ChangeSetType;
  template: string;
  env?: string;
  stack?: string;
  name?: string;
  capabilities?: Capability[];
}

/** CreateChangeSet as the stack workflow sends it; answers DescribeChangeSet's view of the new change set. */
async function createChangeSet({
  type,
  template,
  env = 'dev',
  stack = STACK,
  name = 'deploy-1',
  capabilities,
}: ChangeSet) {
  await cloudformation.send(
    new CreateChangeSetCommand({
      StackName: stack,
      ChangeSetName: name,
      ChangeSetType: type,
      TemplateBody: template,
      Parameters: [{ ParameterKey: 'Env', ParameterValue: env }],
      Capabilities: capabilities ?? ['CAPABILITY_NAMED_IAM'],
      Tags: [{ Key: 'crossdeploy:env', Value: env }],
    }),
  );
  return cloudformation.send(new DescribeChangeSetCommand({ StackName: stack, ChangeSetName: name }));
}

/** Creates and executes a change set, then answers the stack as DescribeStacks shows it. */
async function deploy(changeSet: ChangeSet): Promise<Stack> {
  const created = await createChangeSet(changeSet);
  expect(created).toMatchObject({ Status: 'CREATE_COMPLETE', ExecutionStatus: 'AVAILABLE' });
  await cloudformation.send(
    new ExecuteChangeSetCommand({ StackName: changeSet.stack ?? STACK, ChangeSetName: changeSet.name ?? 'deploy-1' }),
  );
  return describeStack(changeSet.stack ?? STACK);
}

async function describeStack(stack = STACK): Promise<Stack> {
  const { Stacks } = await cloudformation.send(new DescribeStacksCommand({ StackName: stack }));
  const [found] = Stacks ?? [];
  if (!found) throw new Error(`DescribeStacks found no ${stack}`);
  return found;
}

/** The stack's events, oldest first (DescribeStackEvents lists the newest first). */
async function events(stack = STACK): Promise<StackEvent[]> {
  const { StackEvents } = await cloudformation.send(new DescribeStackEventsCommand({ StackName: stack }));
  return [...(StackEvents ?? [])].reverse();
}

const timeline = (all: StackEvent[]) => all.map((event) => `${event.LogicalResourceId} ${event.ResourceStatus}`);

/** The timeline from the last update's start. */
function lastUpdate(all: StackEvent[]): string[] {
  const lines = timeline(all);
  return lines.slice(lines.lastIndexOf(`${STACK} UPDATE_IN_PROGRESS`));
}

function outputs(stack: Stack): Record<string, string | undefined> {
  return Object.fromEntries((stack.Outputs ?? []).map((output) => [output.OutputKey, output.OutputValue]));
}

/**
 * EC2 ids straight from moto, for a Describe* call such as DescribeVpcs (the project has no EC2 client). moto does not
 * check signatures: it takes the account from its header and the service and region from the credential scope.
 */
async function ec2Ids(action: 'DescribeVpcs' | 'DescribeSubnets', tag: 'vpcId' | 'subnetId'): Promise<string[]> {
  const response = await fetch(aws.motoEndpoint(), {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-moto-account-id': ACCOUNT,
      authorization: `AWS4-HMAC-SHA256 Credential=local/20260101/${REGION}/ec2/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: `Action=${action}&Version=2016-11-15`,
  });
  const body = await response.text();
  if (!response.ok) throw new Error(`${action}: HTTP ${response.status} ${body}`);
  return [...new Set([...body.matchAll(new RegExp(`<${tag}>([^<]+)</${tag}>`, 'g'))].map((match) => match[1] ?? ''))];
}

describe('CloudFormation change sets in the local stand-in', () => {
  describe('a stack created by a CREATE change set', () => {
    it('has its template outputs, the change set parameters and tags, and an event for each resource', async () => {
      const stack = await deploy({ type: 'CREATE', template: network({ Web: '10.0.1.0/24' }) });

      expect(stack).toMatchObject({
        StackStatus: 'CREATE_COMPLETE',
        Parameters: [{ ParameterKey: 'Env', ParameterValue: 'dev' }],
        Tags: [{ Key: 'crossdeploy:env', Value: 'dev' }],
      });
      expect(outputs(stack)).toEqual({
        VpcId: expect.stringMatching(/^vpc-/),
        Env: 'dev',
        WebId: expect.stringMatching(/^subnet-/),
      });
      const all = await events();
      expect(timeline(all)).toEqual([
        `${STACK} REVIEW_IN_PROGRESS`,
        `${STACK} CREATE_IN_PROGRESS`,
        'Vpc CREATE_IN_PROGRESS',
        'Vpc CREATE_COMPLETE',
        'Web CREATE_IN_PROGRESS',
        'Web CREATE_COMPLETE',
        `${STACK} CREATE_COMPLETE`,
      ]);
      expect(
        all.find((event) => event.LogicalResourceId === 'Web' && event.ResourceStatus === 'CREATE_COMPLETE'),
      ).toMatchObject({ ResourceType: 'AWS::EC2::Subnet', PhysicalResourceId: outputs(stack).WebId });
    });
  });

  describe('a stack updated by an UPDATE change set', () => {
    it('has the new template outputs and the new parameters', async () => {
      const created = await deploy({ type: 'CREATE', template: network({ Web: '10.0.1.0/24' }) });

      const updated = await deploy({
        type: 'UPDATE',
        template: network({ Web: '10.0.1.0/24', Db: '10.0.2.0/24' }),
        env: 'prod',
        name: 'deploy-2',
      });

      expect(updated).toMatchObject({
        StackStatus: 'UPDATE_COMPLETE',
        Parameters: [{ ParameterKey: 'Env', ParameterValue: 'prod' }],
      });
      expect(outputs(updated)).toEqual({
        ...outputs(created),
        Env: 'prod',
        DbId: expect.stringMatching(/^subnet-/),
      });
      expect(lastUpdate(await events())).toEqual([
        `${STACK} UPDATE_IN_PROGRESS`,
        'Db CREATE_IN_PROGRESS',
        'Db CREATE_COMPLETE',
        `${STACK} UPDATE_COMPLETE_CLEANUP_IN_PROGRESS`,
        `${STACK} UPDATE_COMPLETE`,
      ]);
    });

    it('fails a change set without changes as "didn\'t contain changes", which cannot be executed', async () => {
      const template = network({ Web: '10.0.1.0/24' });
      await deploy({ type: 'CREATE', template });

      const unchanged = await createChangeSet({ type: 'UPDATE', template, name: 'deploy-2' });

      expect(unchanged).toMatchObject({
        Status: 'FAILED',
        ExecutionStatus: 'UNAVAILABLE',
        StatusReason:
          "The submitted information didn't contain changes. Submit different information to create a change set.",
      });
      await expect(
        cloudformation.send(new ExecuteChangeSetCommand({ StackName: STACK, ChangeSetName: 'deploy-2' })),
      ).rejects.toMatchObject({
        name: 'InvalidChangeSetStatusException',
        message: `ChangeSet [${unchanged.ChangeSetId}] cannot be executed in its current status of [FAILED]`,
      });
      expect((await describeStack()).StackStatus).toBe('CREATE_COMPLETE');
    });
  });

  describe('a resource that cannot be created or updated', () => {
    it('rolls a new stack back to ROLLBACK_COMPLETE after ExecuteChangeSet succeeded, deleting what it created', async () => {
      const before = await ec2Ids('DescribeVpcs', 'vpcId');

      // A subnet outside its VPC's 10.0.0.0/16: EC2 refuses it with InvalidSubnet.Range, after the VPC exists.
      const stack = await deploy({ type: 'CREATE', template: network({ Web: '10.9.1.0/24' }) });

      const reason = 'The following resource(s) failed to create: [Web]. Rollback requested by user.';
      expect(stack).toMatchObject({ StackStatus: 'ROLLBACK_COMPLETE', StackStatusReason: reason });
      expect(stack.Outputs).toBeUndefined();
      const all = await events();
      expect(timeline(all)).toEqual([
        `${STACK} REVIEW_IN_PROGRESS`,
        `${STACK} CREATE_IN_PROGRESS`,
        'Vpc CREATE_IN_PROGRESS',
        'Vpc CREATE_COMPLETE',
        'Web CREATE_IN_PROGRESS',
        'Web CREATE_FAILED',
        `${STACK} ROLLBACK_IN_PROGRESS`,
        'Web DELETE_COMPLETE',
        'Vpc DELETE_IN_PROGRESS',
        'Vpc DELETE_COMPLETE',
        `${STACK} ROLLBACK_COMPLETE`,
      ]);
      expect(all.find((event) => event.ResourceStatus === 'CREATE_FAILED')).toMatchObject({
        LogicalResourceId: 'Web',
        ResourceType: 'AWS::EC2::Subnet',
        ResourceStatusReason: expect.stringContaining(`"The CIDR '10.9.1.0/24' is invalid.`),
      });
      expect(all.find((event) => event.ResourceStatus === 'ROLLBACK_IN_PROGRESS')?.ResourceStatusReason).toBe(reason);
      const vpc = all.find((event) => event.LogicalResourceId === 'Vpc' && event.ResourceStatus === 'CREATE_COMPLETE');
      expect(vpc?.PhysicalResourceId).toMatch(/^vpc-/);
      const after = await ec2Ids('DescribeVpcs', 'vpcId');
      expect(after).not.toContain(vpc?.PhysicalResourceId);
      expect(after).toEqual(before);
    });

    it('rolls an update back to UPDATE_ROLLBACK_COMPLETE, on the previous outputs and parameters', async () => {
      const previous = await deploy({ type: 'CREATE', template: network({ Web: '10.0.1.0/24' }) });
      const subnets = await ec2Ids('DescribeSubnets', 'subnetId');

      // Db is created, then Cache fails: Db must go again, and the stack keeps Env=dev and its outputs.
      const stack = await deploy({
        type: 'UPDATE',
        template: network({ Web: '10.0.1.0/24', Db: '10.0.2.0/24', Cache: '10.9.3.0/24' }),
        env: 'prod',
        name: 'deploy-2',
      });

      expect(stack).toMatchObject({
        StackStatus: 'UPDATE_ROLLBACK_COMPLETE',
        StackStatusReason: 'The following resource(s) failed to create: [Cache].',
        Parameters: [{ ParameterKey: 'Env', ParameterValue: 'dev' }],
      });
      expect(outputs(stack)).toEqual(outputs(previous));
      const all = await events();
      expect(lastUpdate(all)).toEqual([
        `${STACK} UPDATE_IN_PROGRESS`,
        'Db CREATE_IN_PROGRESS',
        'Db CREATE_COMPLETE',
        'Cache CREATE_IN_PROGRESS',
        'Cache CREATE_FAILED',
        `${STACK} UPDATE_ROLLBACK_IN_PROGRESS`,
        `${STACK} UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS`,
        'Db DELETE_IN_PROGRESS',
        'Db DELETE_COMPLETE',
        'Cache DELETE_COMPLETE',
        `${STACK} UPDATE_ROLLBACK_COMPLETE`,
      ]);
      expect(all.find((event) => event.ResourceStatus === 'CREATE_FAILED')?.ResourceStatusReason).toContain(
        `"The CIDR '10.9.3.0/24' is invalid.`,
      );
      const db = all.find((event) => event.LogicalResourceId === 'Db' && event.ResourceStatus === 'CREATE_COMPLETE');
      expect(db?.PhysicalResourceId).toMatch(/^subnet-/);
      const after = await ec2Ids('DescribeSubnets', 'subnetId');
      expect(after).not.toContain(db?.PhysicalResourceId);
      expect(after).toEqual(subnets);
    });

    it('gives a resource whose update failed its previous properties back, with an UPDATE_FAILED event', async () => {
      // moto replaces a parameter by deleting it first: after the failed update there is none, and the rollback must
      // create it again as it was.
      const setting = (value: string, dataType: string) =>
        JSON.stringify({
          Parameters: { Env: { Type: 'String' } },
          Resources: {
            Setting: {
              Type: 'AWS::SSM::Parameter',
              Properties: { Name: '/crossdeploy/setting', Type: 'String', Value: value, DataType: dataType },
            },
          },
        });
      await deploy({ type: 'CREATE', template: setting('blue', 'text') });

      const stack = await deploy({ type: 'UPDATE', template: setting('green', 'no-such-type'), name: 'deploy-2' });

      expect(stack).toMatchObject({
        StackStatus: 'UPDATE_ROLLBACK_COMPLETE',
        StackStatusReason: 'The following resource(s) failed to update: [Setting].',
      });
      expect((await events()).find((event) => event.ResourceStatus === 'UPDATE_FAILED')).toMatchObject({
        LogicalResourceId: 'Setting',
        ResourceStatusReason: expect.stringContaining('The following data type is not supported: no-such-type'),
      });
      const ssm = clientForAccount(SSMClient, ACCOUNT, REGION);
      const { Parameter } = await ssm.send(new GetParameterCommand({ Name: '/crossdeploy/setting' }));
      expect(Parameter?.Value).toBe('blue');
    });
  });

  describe('change sets AWS refuses or takes', () => {
    it('refuses a CREATE change set for a stack that exists', async () => {
      await deploy({ type: 'CREATE', template: network({}) });

      await expect(createChangeSet({ type: 'CREATE', template: network({}), name: 'deploy-2' })).rejects.toMatchObject({
        name: 'ValidationError',
        message: `Stack [${STACK}] already exists and cannot be created again with the changeSet [deploy-2].`,
      });
    });

    it('takes another CREATE change set for a stack still in REVIEW_IN_PROGRESS, on that same stack', async () => {
      const first = await createChangeSet({ type: 'CREATE', template: network({}) });

      const second = await createChangeSet({ type: 'CREATE', template: network({}), env: 'prod', name: 'deploy-2' });

      expect(second.StackId).toBe(first.StackId);
      const { Stacks } = await cloudformation.send(new DescribeStacksCommand({}));
      expect(Stacks?.map((stack) => `${stack.StackName} ${stack.StackStatus}`)).toEqual([
        `${STACK} REVIEW_IN_PROGRESS`,
      ]);
    });

    it('refuses an UPDATE change set for a stack in ROLLBACK_COMPLETE, which can only be deleted', async () => {
      const failed = await deploy({ type: 'CREATE', template: network({ Web: '10.9.1.0/24' }) });
      expect(failed.StackStatus).toBe('ROLLBACK_COMPLETE');

      await expect(
        createChangeSet({ type: 'UPDATE', template: network({ Web: '10.0.1.0/24' }), name: 'deploy-2' }),
      ).rejects.toMatchObject({
        name: 'ValidationError',
        message: `Stack:${failed.StackId} is in ROLLBACK_COMPLETE state and can not be updated.`,
      });
    });

    it('refuses a template naming an IAM role unless CAPABILITY_NAMED_IAM is acknowledged', async () => {
      const role = JSON.stringify({
        Parameters: { Env: { Type: 'String' } },
        Resources: {
          Deploy: {
            Type: 'AWS::IAM::Role',
            Properties: { RoleName: 'crossdeploy-deploy', AssumeRolePolicyDocument: { Version: '2012-10-17' } },
          },
        },
      });

      for (const capabilities of [[], ['CAPABILITY_IAM']] satisfies Capability[][]) {
        await expect(createChangeSet({ type: 'CREATE', template: role, capabilities })).rejects.toMatchObject({
          name: 'InsufficientCapabilitiesException',
          message: 'Requires capabilities : [CAPABILITY_NAMED_IAM]',
        });
      }
      expect(await deploy({ type: 'CREATE', template: role })).toMatchObject({ StackStatus: 'CREATE_COMPLETE' });
    });

    it('finds a change set by its name within the stack named, when two stacks have one of that name', async () => {
      await createChangeSet({ type: 'CREATE', template: network({}), stack: 'network-a' });
      await createChangeSet({ type: 'CREATE', template: network({ Web: '10.0.1.0/24' }), stack: 'network-b' });

      const a = await cloudformation.send(
        new DescribeChangeSetCommand({ StackName: 'network-a', ChangeSetName: 'deploy-1' }),
      );
      await cloudformation.send(new ExecuteChangeSetCommand({ StackName: 'network-a', ChangeSetName: 'deploy-1' }));

      expect(a).toMatchObject({ StackName: 'network-a', Changes: [{ ResourceChange: { LogicalResourceId: 'Vpc' } }] });
      expect((await describeStack('network-a')).StackStatus).toBe('CREATE_COMPLETE');
      expect((await describeStack('network-b')).StackStatus).toBe('REVIEW_IN_PROGRESS');
    });
  });

  describe('resources it creates', () => {
    it('registers an AWS::ECS::TaskDefinition with its roles, network mode, cpu, memory and platform, as RegisterTaskDefinition would', async () => {
      const executionRole = `arn:aws:iam::${ACCOUNT}:role/apps-task-execution`;
      const template = JSON.stringify({
        Parameters: { Env: { Type: 'String' } },
        Resources: {
          TaskDefinition: {
            Type: 'AWS::ECS::TaskDefinition',
            Properties: {
              Family: 'web',
              TaskRoleArn: `arn:aws:iam::${ACCOUNT}:role/web-task`,
              ExecutionRoleArn: executionRole,
              NetworkMode: 'awsvpc',
              RequiresCompatibilities: ['FARGATE'],
              Cpu: 256,
              Memory: '512',
              RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
              ContainerDefinitions: [{ Name: 'app', Image: 'web:v1', PortMappings: [{ ContainerPort: 8080 }] }],
            },
          },
        },
      });

      await deploy({ type: 'CREATE', template });

      const ecs = clientForAccount(ECSClient, ACCOUNT, REGION);
      const { taskDefinition } = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'web' }));
      ecs.destroy();
      expect(taskDefinition).toMatchObject({
        family: 'web',
        revision: 1,
        taskRoleArn: `arn:aws:iam::${ACCOUNT}:role/web-task`,
        executionRoleArn: executionRole,
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '256',
        memory: '512',
        runtimePlatform: { cpuArchitecture: 'ARM64', operatingSystemFamily: 'LINUX' },
        containerDefinitions: [
          expect.objectContaining({ name: 'app', image: 'web:v1', portMappings: [{ containerPort: 8080 }] }),
        ],
      });
    });
  });

  describe('a deleted stack', () => {
    it('is unknown by name, DELETE_COMPLETE by id, and its name takes a CREATE change set again', async () => {
      const failed = await deploy({ type: 'CREATE', template: network({ Web: '10.9.1.0/24' }) });

      await cloudformation.send(new DeleteStackCommand({ StackName: STACK }));

      await expect(describeStack()).rejects.toMatchObject({
        name: 'ValidationError',
        message: `Stack with id ${STACK} does not exist`,
      });
      expect(await describeStack(failed.StackId)).toMatchObject({ StackStatus: 'DELETE_COMPLETE' });
      const again = await deploy({ type: 'CREATE', template: network({ Web: '10.0.1.0/24' }), name: 'deploy-2' });
      expect(again).toMatchObject({ StackStatus: 'CREATE_COMPLETE' });
      expect(again.StackId).not.toBe(failed.StackId);
    });
  });

  describe('an alarm in a template', () => {
    const withAlarm = (threshold: number) => `
AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  Env: { Type: String }
Resources:
  Errors:
    Type: AWS::CloudWatch::Alarm
    Properties:
      AlarmName: !Sub 'web-\${Env}-5xx'
      Namespace: crossdeploy/services
      MetricName: HTTP5xx
      Dimensions: [{ Name: ServiceName, Value: web }]
      Statistic: Sum
      Period: 60
      EvaluationPeriods: 1
      Threshold: ${threshold}
      ComparisonOperator: GreaterThanOrEqualToThreshold
Outputs:
  AlarmName: { Value: !Ref Errors }
  AlarmArn: { Value: !GetAtt Errors.Arn }
`;
    const alarms = async () => {
      const cloudwatch = clientForAccount(CloudWatchClient, ACCOUNT, REGION);
      const { MetricAlarms = [] } = await cloudwatch.send(new DescribeAlarmsCommand({}));
      return MetricAlarms.map((a) => ({ name: a.AlarmName, threshold: a.Threshold, dimensions: a.Dimensions }));
    };

    it('exists once its stack does, changes with an update, and goes with the stack', async () => {
      const created = await deploy({ type: 'CREATE', template: withAlarm(5) });
      expect(outputs(created)).toEqual({
        AlarmName: 'web-dev-5xx',
        AlarmArn: `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:web-dev-5xx`,
      });
      expect(await alarms()).toEqual([
        { name: 'web-dev-5xx', threshold: 5, dimensions: [{ Name: 'ServiceName', Value: 'web' }] },
      ]);

      await deploy({ type: 'UPDATE', template: withAlarm(9), name: 'deploy-2' });
      expect((await alarms()).map((a) => a.threshold)).toEqual([9]);

      await cloudformation.send(new DeleteStackCommand({ StackName: STACK }));
      expect(await alarms()).toEqual([]);
    });
  });
});
