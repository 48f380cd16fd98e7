// IAM evaluated, not string-matched: @cloud-copilot/iam-simulate decides each request from the policies
// crossdeploy writes (core/ecr-policy.ts) or deploys (stacks/target-account.yaml, stacks/steps.ts,
// stacks/policies.ts), across accounts the way AWS does (both the caller's identity policy and the resource's
// policy must allow).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import { describe, expect, it } from 'vitest';
import { mergeRepositoryPolicy } from '../../core/ecr-policy';
import { parseTemplate, resolveTemplate } from '../../core/iam/cfn-template';
import { sstRoleName, TARGET_ACCOUNT_TEMPLATE } from '../../core/iam/target-account';
import { loadMapFile } from '../../core/map/load';
import { buildLogGroupName } from '../../stacks/images';
import { orchestratorNames } from '../../stacks/names';
import {
  buildPolicy,
  type PolicyDocument,
  SYNC_EXECUTION_RULE,
  stateMachinePolicy,
  tlsOnlyBucketPolicy,
} from '../../stacks/policies';
import { ASSUME_DEPLOY_ROLE, functionPermissions, type GrantScope, STEP_FUNCTIONS } from '../../stacks/steps';
import { dependenciesOf, STATE_MACHINES } from '../../stacks/substitutions';
import { root } from './code';

const ORCHESTRATOR = '111111111111';
const TARGET = '222222222222';
const OUTSIDER = '444444444444';
const ORG = 'o-a1b2c3d4e5';
const OTHER_ORG = 'o-z9y8x7w6v5';

type Decision = 'Allowed' | 'ImplicitlyDenied' | 'ExplicitlyDenied';
type Policy = { Version: string; Statement: Record<string, unknown>[] };

interface Request {
  principal: string;
  action: string;
  resource: string;
  /** The account that owns the resource. */
  account: string;
  identity: Policy[];
  resourcePolicy?: Policy;
  context?: Record<string, string>;
}

async function decide(request: Request): Promise<Decision> {
  const simulation: Simulation = {
    request: {
      principal: request.principal,
      action: request.action,
      resource: { resource: request.resource, accountId: request.account },
      contextVariables: { ...principalKeys(request.principal), ...request.context },
    },
    identityPolicies: request.identity.map((policy, i) => ({ name: `identity-${i}`, policy })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: request.resourcePolicy,
  };
  const result = await runSimulation(simulation, {});
  // An invalid policy or request must fail the test, not read as a denial.
  if (result.resultType === 'error') throw new Error(JSON.stringify(result.errors, null, 2));
  return result.overallResult as Decision;
}

/**
 * The keys AWS sets from the caller on every request, which iam-simulate leaves to the caller: for a role
 * session, aws:PrincipalArn is the role's ARN, not the session's.
 */
function principalKeys(principal: string): Record<string, string> {
  const match = /^arn:([\w-]+):(?:iam|sts)::(\d{12}):(?:role|assumed-role)\/([^/]+)/.exec(principal);
  if (!match) return {};
  const [, partition, account, role] = match;
  return { 'aws:PrincipalArn': `arn:${partition}:iam::${account}:role/${role}`, 'aws:PrincipalAccount': account ?? '' };
}

const policy = (...Statement: Record<string, unknown>[]): Policy => ({ Version: '2012-10-17', Statement });
/** A document of stacks/policies.ts, as IAM reads it. */
const deployed = (document: PolicyDocument): Policy => policy(...document.Statement.map((s) => ({ ...s })));

describe('pulling from the orchestrator ECR repository with the policy crossdeploy writes', () => {
  const repository = `arn:aws:ecr:us-east-1:${ORCHESTRATOR}:repository/web`;
  // What AmazonECSTaskExecutionRolePolicy grants a task execution role: its side of a cross-account pull.
  const executionRolePolicy = policy({
    Effect: 'Allow',
    Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'],
    Resource: '*',
  });
  const pull = (account: string, resourcePolicy: Policy, context?: Record<string, string>) =>
    decide({
      principal: `arn:aws:iam::${account}:role/web-execution`,
      action: 'ecr:BatchGetImage',
      resource: repository,
      account: ORCHESTRATOR,
      identity: [executionRolePolicy],
      resourcePolicy,
      ...(context ? { context } : {}),
    });
  const written = (grant: Parameters<typeof mergeRepositoryPolicy>[1]) =>
    JSON.parse(mergeRepositoryPolicy(undefined, grant).policy) as Policy;

  it("lets a target account's task execution role pull", async () => {
    expect(await pull(TARGET, written({ accounts: [TARGET] }))).toBe('Allowed');
  });

  it('refuses an account outside the map', async () => {
    expect(await pull(OUTSIDER, written({ accounts: [TARGET] }))).toBe('ImplicitlyDenied');
  });

  it('with an Organization grant, lets any account of that Organization pull and no other', async () => {
    const byOrg = written({ principalOrgId: ORG });
    expect(await pull(OUTSIDER, byOrg, { 'aws:PrincipalOrgID': ORG })).toBe('Allowed');
    expect(await pull(OUTSIDER, byOrg, { 'aws:PrincipalOrgID': OTHER_ORG })).toBe('ImplicitlyDenied');
  });
});

const template = parseTemplate(readFileSync(join(root, TARGET_ACCOUNT_TEMPLATE), 'utf8'));

/** The deploy role as CloudFormation creates it in the target account, with test parameter values. */
function deployRole(parameters: Record<string, string> = {}) {
  const { resources } = resolveTemplate(template, {
    account: TARGET,
    region: 'us-east-1',
    parameters: {
      OrchestratorAccountId: ORCHESTRATOR,
      OrganizationId: ORG,
      ServiceNamePrefix: 'web',
      TaskRoleArnPattern: 'arn:aws:iam::*:role/web-*',
      OrchestratorEventBusArn: `arn:aws:events:us-east-1:${ORCHESTRATOR}:event-bus/crossdeploy-prod`,
      ...parameters,
    },
  });
  const properties = resources.DeployRole?.Properties as {
    RoleName: string;
    AssumeRolePolicyDocument: Policy;
    Policies: { PolicyDocument: Policy }[];
  };
  return {
    arn: `arn:aws:iam::${TARGET}:role/${properties.RoleName}`,
    trust: properties.AssumeRolePolicyDocument,
    identity: properties.Policies.map((p) => p.PolicyDocument),
  };
}

describe("the deploy role's permissions in a target account", () => {
  const role = deployRole();
  const asDeployRole = (action: string, resource: string, context?: Record<string, string>) =>
    decide({
      principal: `arn:aws:sts::${TARGET}:assumed-role/crossdeploy-deploy/crossdeploy-step`,
      action,
      resource,
      account: TARGET,
      identity: role.identity,
      ...(context ? { context } : {}),
    });
  const service = (cluster: string, name: string, region = 'eu-west-1') =>
    `arn:aws:ecs:${region}:${TARGET}:service/${cluster}/${name}`;

  it.each([
    ['demo', 'web'],
    ['demo', 'web-worker'],
    ['prod', 'web'],
  ])('can update and describe service %s/%s, inside the prefix, in any region', async (cluster, name) => {
    expect(await asDeployRole('ecs:UpdateService', service(cluster, name))).toBe('Allowed');
    expect(await asDeployRole('ecs:DescribeServices', service(cluster, name, 'us-east-1'))).toBe('Allowed');
  });

  it.each([
    ['demo', 'payments'],
    ['demo', 'api-web'],
  ])('cannot update service %s/%s, outside the prefix', async (cluster, name) => {
    expect(await asDeployRole('ecs:UpdateService', service(cluster, name))).toBe('ImplicitlyDenied');
  });

  it('cannot update a service of another account', async () => {
    expect(
      await decide({
        principal: `arn:aws:sts::${TARGET}:assumed-role/crossdeploy-deploy/crossdeploy-step`,
        action: 'ecs:UpdateService',
        resource: `arn:aws:ecs:eu-west-1:${OUTSIDER}:service/demo/web`,
        account: OUTSIDER,
        identity: role.identity,
      }),
    ).toBe('ImplicitlyDenied');
  });

  it('limits services to clusters of the cluster prefix when one is given', async () => {
    const scoped = deployRole({ ClusterNamePrefix: 'prod-' });
    const update = (cluster: string) =>
      decide({
        principal: `arn:aws:sts::${TARGET}:assumed-role/crossdeploy-deploy/crossdeploy-step`,
        action: 'ecs:UpdateService',
        resource: service(cluster, 'web'),
        account: TARGET,
        identity: scoped.identity,
      });
    expect(await update('prod-eu')).toBe('Allowed');
    expect(await update('demo')).toBe('ImplicitlyDenied');
  });

  it('can register a tagged revision and read task definitions', async () => {
    const taskDefinition = `arn:aws:ecs:us-east-1:${TARGET}:task-definition/web:42`;
    expect(await asDeployRole('ecs:RegisterTaskDefinition', taskDefinition)).toBe('Allowed');
    expect(
      await asDeployRole('ecs:TagResource', taskDefinition, { 'ecs:CreateAction': 'RegisterTaskDefinition' }),
    ).toBe('Allowed');
    expect(await asDeployRole('ecs:DescribeTaskDefinition', '*')).toBe('Allowed');
  });

  it('cannot tag anything outside a registration', async () => {
    expect(await asDeployRole('ecs:TagResource', `arn:aws:ecs:us-east-1:${TARGET}:task-definition/web:42`)).toBe(
      'ImplicitlyDenied',
    );
    expect(
      await asDeployRole('ecs:TagResource', service('demo', 'web'), { 'ecs:CreateAction': 'RegisterTaskDefinition' }),
    ).toBe('ImplicitlyDenied');
  });

  it('can pass the task and execution roles to ECS tasks, and to no other service', async () => {
    const passRole = (roleName: string, passedTo: string) =>
      asDeployRole('iam:PassRole', `arn:aws:iam::${TARGET}:role/${roleName}`, { 'iam:PassedToService': passedTo });
    expect(await passRole('web-execution', 'ecs-tasks.amazonaws.com')).toBe('Allowed');
    expect(await passRole('web-task', 'ecs-tasks.amazonaws.com')).toBe('Allowed');
    expect(await passRole('web-execution', 'lambda.amazonaws.com')).toBe('ImplicitlyDenied');
    expect(await passRole('web-execution', 'ec2.amazonaws.com')).toBe('ImplicitlyDenied');
    expect(await passRole('admin', 'ecs-tasks.amazonaws.com')).toBe('ImplicitlyDenied');
  });

  it("can pass the account's standard ecsTaskExecutionRole, which the task role pattern does not cover", async () => {
    const passRole = (roleName: string) =>
      asDeployRole('iam:PassRole', `arn:aws:iam::${TARGET}:role/${roleName}`, {
        'iam:PassedToService': 'ecs-tasks.amazonaws.com',
      });
    expect(await passRole('ecsTaskExecutionRole')).toBe('Allowed');
    expect(await passRole('ecsTaskExecutionRole-other')).toBe('ImplicitlyDenied');
  });

  it('can pass the execution roles of its own pattern, in place of ecsTaskExecutionRole, when one is set', async () => {
    const own = deployRole({ ExecutionRoleArnPattern: 'arn:aws:iam::*:role/exec-*' });
    const passRole = (roleName: string) =>
      decide({
        principal: own.arn,
        action: 'iam:PassRole',
        resource: `arn:aws:iam::${TARGET}:role/${roleName}`,
        account: TARGET,
        identity: own.identity,
        context: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
      });
    expect(await passRole('exec-web')).toBe('Allowed');
    expect(await passRole('ecsTaskExecutionRole')).toBe('ImplicitlyDenied');
    expect(await passRole('web-task')).toBe('Allowed');
  });

  it("can read its own policy, for doctor, and no other role's", async () => {
    expect(await asDeployRole('iam:GetRolePolicy', role.arn)).toBe('Allowed');
    expect(await asDeployRole('iam:GetRolePolicy', `arn:aws:iam::${TARGET}:role/web-task`)).toBe('ImplicitlyDenied');
  });

  it('can read alarms and cannot change them', async () => {
    const alarm = `arn:aws:cloudwatch:eu-west-1:${TARGET}:alarm:web-5xx`;
    expect(await asDeployRole('cloudwatch:DescribeAlarms', alarm)).toBe('Allowed');
    expect(await asDeployRole('cloudwatch:SetAlarmState', alarm)).toBe('ImplicitlyDenied');
    expect(await asDeployRole('cloudwatch:DeleteAlarms', alarm)).toBe('ImplicitlyDenied');
  });

  it('cannot do what the steps never do: run tasks, delete services, create roles', async () => {
    expect(await asDeployRole('ecs:RunTask', `arn:aws:ecs:us-east-1:${TARGET}:task-definition/web:42`)).toBe(
      'ImplicitlyDenied',
    );
    expect(await asDeployRole('ecs:DeleteService', service('demo', 'web'))).toBe('ImplicitlyDenied');
    expect(await asDeployRole('iam:CreateRole', `arn:aws:iam::${TARGET}:role/web-admin`)).toBe('ImplicitlyDenied');
  });
});

describe('assuming the deploy role', () => {
  const scope: GrantScope = {
    partition: 'aws',
    account: ORCHESTRATOR,
    region: 'us-east-1',
    deployRole: 'crossdeploy-deploy',
    names: orchestratorNames('crossdeploy', 'prod', loadMapFile(join(root, 'crossdeploy.yaml'))),
  };
  /** `crossdeploy-prod-UpdateServiceFunctionRole-a1b2c3d4`: the role SST gives the function in stage prod. */
  const functionRole = (id: string) =>
    `arn:aws:iam::${ORCHESTRATOR}:role/${sstRoleName('crossdeploy', 'prod', `${id}Function`)}-a1b2c3d4`;
  /** A function's own role policy, as stacks/functions.ts grants it. */
  const identityOf = (id: string) => {
    const spec = STEP_FUNCTIONS.find((s) => s.id === id);
    if (!spec) throw new Error(`no step ${id}`);
    return [
      policy(
        ...functionPermissions(spec, scope).map((p) => ({ Effect: 'Allow', Action: p.actions, Resource: p.resources })),
      ),
    ];
  };
  // A role whose own policy would let it assume anything: only the trust policy can stop it.
  const assumeAnything = [policy({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' })];

  const assume = (
    principal: string,
    identity: Policy[],
    context: Record<string, string>,
    parameters: Record<string, string> = {},
  ) => {
    const role = deployRole(parameters);
    return decide({
      principal,
      action: 'sts:AssumeRole',
      resource: role.arn,
      account: TARGET,
      identity,
      resourcePolicy: role.trust,
      context,
    });
  };
  const inOrg = { 'aws:PrincipalOrgID': ORG };

  const assumers = STEP_FUNCTIONS.filter((spec) => spec.grants.some((g) => g === ASSUME_DEPLOY_ROLE)).map(
    (spec) => spec.id,
  );

  it.each(assumers)("lets the orchestrator's %s step assume it, with its own role policy", async (id) => {
    expect(await assume(functionRole(id), identityOf(id), inOrg)).toBe('Allowed');
  });

  it('refuses a crossdeploy role whose own policy does not grant sts:AssumeRole (OpenEcr)', async () => {
    expect(await assume(functionRole('OpenEcr'), identityOf('OpenEcr'), inOrg)).toBe('ImplicitlyDenied');
  });

  it('refuses a role of the same name in another account, even inside the Organization', async () => {
    const elsewhere = `arn:aws:iam::${OUTSIDER}:role/crossdeploy-prod-UpdateServiceFunctionRole-a1b2c3d4`;
    expect(await assume(elsewhere, assumeAnything, inOrg)).toBe('ImplicitlyDenied');
  });

  it('refuses an unrelated role of the orchestrator account', async () => {
    expect(await assume(`arn:aws:iam::${ORCHESTRATOR}:role/ci-runner`, assumeAnything, inOrg)).toBe('ImplicitlyDenied');
  });

  it('refuses the orchestrator account when it is not in the Organization', async () => {
    const id = 'UpdateService';
    expect(await assume(functionRole(id), identityOf(id), { 'aws:PrincipalOrgID': OTHER_ORG })).toBe(
      'ImplicitlyDenied',
    );
  });

  it('with an external id, refuses the wrong one and a missing one, and accepts the right one', async () => {
    const id = 'CheckHealth';
    const withExternalId = { ExternalId: 'acme-2f9c' };
    const attempt = (context: Record<string, string>) =>
      assume(functionRole(id), identityOf(id), { ...inOrg, ...context }, withExternalId);
    expect(await attempt({ 'sts:ExternalId': 'acme-2f9c' })).toBe('Allowed');
    expect(await attempt({ 'sts:ExternalId': 'wrong' })).toBe('ImplicitlyDenied');
    expect(await attempt({})).toBe('ImplicitlyDenied');
  });

  it("narrowed to one stage's roles, refuses another stage of the app", async () => {
    const stage = { OrchestratorRoleNamePattern: 'crossdeploy-prod-*' };
    const dev = `arn:aws:iam::${ORCHESTRATOR}:role/${sstRoleName('crossdeploy', 'dev', 'UpdateServiceFunction')}-a1b2c3d4`;
    expect(await assume(functionRole('UpdateService'), identityOf('UpdateService'), inOrg, stage)).toBe('Allowed');
    expect(await assume(dev, identityOf('UpdateService'), inOrg, stage)).toBe('ImplicitlyDenied');
  });
});

describe('the artifacts bucket, with the policy the stack gives it', () => {
  const names = orchestratorNames(
    'crossdeploy',
    'prod',
    loadMapFile(join(root, 'test/stacks/fixtures/application-map.yaml')),
  );
  const where = { partition: 'aws', account: ORCHESTRATOR, region: 'us-east-1' };
  const bucket = `arn:aws:s3:::${names.artifactsBucket}`;
  const template = (service: string) => `${bucket}/applications/${service}/0123456789abcdef/template.yaml`;
  const bucketPolicy = JSON.parse(tlsOnlyBucketPolicy(bucket)) as Policy;
  const overTls = { 'aws:SecureTransport': 'true' };
  const overHttp = { 'aws:SecureTransport': 'false' };

  const orders = names.builds.find((build) => build.service === 'orders');
  if (orders?.kind !== 'package') throw new Error('the fixture has no packaging build of orders');
  const buildRole = `arn:aws:sts::${ORCHESTRATOR}:assumed-role/${orders.role}/AWSCodeBuild-1`;
  const buildIdentity = [deployed(buildPolicy({ where, build: orders, logGroup: buildLogGroupName(orders.project) }))];
  const asBuild = (action: string, resource: string, context = overTls) =>
    decide({
      principal: buildRole,
      action,
      resource,
      account: ORCHESTRATOR,
      identity: buildIdentity,
      resourcePolicy: bucketPolicy,
      context,
    });

  const stepRole = `arn:aws:sts::${ORCHESTRATOR}:assumed-role/crossdeploy-prod-CheckPackagedTemplateFunctionRole-a1b2c3d4/step`;
  const spec = STEP_FUNCTIONS.find((s) => s.id === 'CheckPackagedTemplate');
  if (!spec) throw new Error('no CheckPackagedTemplate step');
  const scope: GrantScope = { ...where, deployRole: 'crossdeploy-deploy', names };
  const stepIdentity = [
    policy(
      ...functionPermissions(spec, scope).map((p) => ({ Effect: 'Allow', Action: p.actions, Resource: p.resources })),
    ),
  ];
  const asStep = (action: string, resource: string, context = overTls) =>
    decide({
      principal: stepRole,
      action,
      resource,
      account: ORCHESTRATOR,
      identity: stepIdentity,
      resourcePolicy: bucketPolicy,
      context,
    });

  it("lets an application stack's packaging build store its own service's templates, over TLS only", async () => {
    expect(await asBuild('s3:PutObject', template('orders'))).toBe('Allowed');
    expect(await asBuild('s3:PutObject', template('orders'), overHttp)).toBe('ExplicitlyDenied');
  });

  it("keeps the packaging build from another service's templates, from reading or deleting, and from ECR altogether", async () => {
    expect(await asBuild('s3:PutObject', template('web'))).toBe('ImplicitlyDenied');
    expect(await asBuild('s3:PutObject', `${bucket}/elsewhere/template.yaml`)).toBe('ImplicitlyDenied');
    expect(await asBuild('s3:GetObject', template('orders'))).toBe('ImplicitlyDenied');
    expect(await asBuild('s3:DeleteObject', template('orders'))).toBe('ImplicitlyDenied');
    expect(await asBuild('s3:PutBucketPolicy', bucket)).toBe('ImplicitlyDenied');
    const repository = `arn:aws:ecr:us-east-1:${ORCHESTRATOR}:repository/web`;
    for (const action of ['ecr:PutImage', 'ecr:InitiateLayerUpload', 'ecr:BatchGetImage']) {
      expect(await asBuild(action, repository), action).toBe('ImplicitlyDenied');
    }
    expect(await asBuild('ecr:GetAuthorizationToken', '*')).toBe('ImplicitlyDenied');
  });

  it("lets the stack steps read every service's templates over TLS, and nothing over plain HTTP", async () => {
    expect(await asStep('s3:GetObject', template('orders'))).toBe('Allowed');
    expect(await asStep('s3:ListBucket', bucket)).toBe('Allowed');
    expect(await asStep('s3:GetObject', template('orders'), overHttp)).toBe('ExplicitlyDenied');
    expect(await asStep('s3:PutObject', template('orders'))).toBe('ImplicitlyDenied');
  });

  it('grants nobody anything by itself: another account gets nothing, whatever its own policy says', async () => {
    const outsider = `arn:aws:iam::${OUTSIDER}:role/reader`;
    const anything = [policy({ Effect: 'Allow', Action: 's3:*', Resource: '*' })];
    for (const action of ['s3:GetObject', 's3:PutObject']) {
      expect(
        await decide({
          principal: outsider,
          action,
          resource: template('orders'),
          account: ORCHESTRATOR,
          identity: anything,
          resourcePolicy: bucketPolicy,
          context: overTls,
        }),
        action,
      ).toBe('ImplicitlyDenied');
    }
  });
});

describe("the deploy-stack state machine's role", () => {
  const where = { partition: 'aws', account: ORCHESTRATOR, region: 'us-east-1' };
  const machine = STATE_MACHINES.find((m) => m.id === 'DeployStack');
  if (!machine) throw new Error('no DeployStack machine');
  const deps = dependenciesOf(machine);
  const identity = [
    deployed(
      stateMachinePolicy({
        where,
        functionArns: deps.functions.map(
          (fn) => `arn:aws:lambda:us-east-1:${ORCHESTRATOR}:function:crossdeploy-prod-${fn.id}`,
        ),
        children: deps.children.map((child) => `crossdeploy-prod-${child.file}`),
        waitsForChildren: deps.waitsForChildren,
      }),
    ),
  ];
  const asDeployStack = (action: string, resource: string) =>
    decide({
      principal: `arn:aws:sts::${ORCHESTRATOR}:assumed-role/crossdeploy-prod-deploy-stack-sfn/execution`,
      action,
      resource,
      account: ORCHESTRATOR,
      identity,
    });
  const machineArn = (file: string) => `arn:aws:states:us-east-1:${ORCHESTRATOR}:stateMachine:crossdeploy-prod-${file}`;
  const executionArn = (file: string) =>
    `arn:aws:states:us-east-1:${ORCHESTRATOR}:execution:crossdeploy-prod-${file}:x`;

  it('may start rollback-stack, follow and stop its executions, and use the rule .sync needs', async () => {
    expect(await asDeployStack('states:StartExecution', machineArn('rollback-stack'))).toBe('Allowed');
    expect(await asDeployStack('states:DescribeExecution', executionArn('rollback-stack'))).toBe('Allowed');
    expect(await asDeployStack('states:StopExecution', executionArn('rollback-stack'))).toBe('Allowed');
    const rule = `arn:aws:events:us-east-1:${ORCHESTRATOR}:rule/${SYNC_EXECUTION_RULE}`;
    for (const action of ['events:PutTargets', 'events:PutRule', 'events:DescribeRule']) {
      expect(await asDeployStack(action, rule), action).toBe('Allowed');
    }
  });

  it('may start no other machine, not even itself', async () => {
    for (const file of ['rollback-target', 'deploy-target', 'deploy-stack', 'deploy-environment', 'pipeline']) {
      expect(await asDeployStack('states:StartExecution', machineArn(file)), file).toBe('ImplicitlyDenied');
    }
    expect(await asDeployStack('states:StopExecution', executionArn('rollback-target'))).toBe('ImplicitlyDenied');
  });
});
