// The functions' IAM and environment tables (stacks/steps.ts, stacks/triggered.ts) held against the handlers'
// code, without Pulumi.
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DEPLOY_ROLE, deployRoleName, logRetention, stageName } from '../../stacks/config';
import { loadStackMap } from '../../stacks/map';
import { orchestratorNames } from '../../stacks/names';
import {
  ENVIRONMENT_VARIABLES,
  type FunctionSpec,
  functionEnvironment,
  functionPermissions,
  type GrantScope,
  STEP_FUNCTIONS,
  TRACING_ACTIONS,
  UNSET_IN_AWS,
} from '../../stacks/steps';
import { TRIGGERED_FUNCTIONS } from '../../stacks/triggered';
import { environmentReads, root, sdkCalls } from './code';

const { map } = loadStackMap(root, {});
const names = orchestratorNames('crossdeploy', 'test', map);
const scope: GrantScope = {
  partition: 'aws',
  account: '111111111111',
  region: 'eu-west-1',
  deployRole: 'crossdeploy-deploy',
  names,
};

const ALL_FUNCTIONS: readonly FunctionSpec[] = [...STEP_FUNCTIONS, ...TRIGGERED_FUNCTIONS];
const byId = (id: string): FunctionSpec => {
  const spec = ALL_FUNCTIONS.find((s) => s.id === id);
  if (!spec) throw new Error(id);
  return spec;
};
const handlerFile = (spec: FunctionSpec) => join(root, 'functions', `${spec.file}.ts`);

// Permissions that no SDK call names but that a call needs: RegisterTaskDefinition with tags and task roles, and
// GetObject answering a missing key with NoSuchKey (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html).
const IMPLIED = new Set(['ecs:TagResource', 'iam:PassRole', 's3:ListBucket']);

/** Actions that have no resource type in IAM: "*" is the only resource they accept. */
const NO_RESOURCE_TYPE = new Set([
  ...TRACING_ACTIONS,
  'ecr:GetRegistryPolicy',
  'ecr:PutRegistryPolicy',
  'states:SendTaskSuccess',
  'states:SendTaskFailure',
]);

describe('functions deployed by stacks/functions.ts', () => {
  // The first look builds a TypeScript program of the handlers (about 10 s); later ones reuse it.
  beforeAll(() => void sdkCalls(handlerFile(byId('EvaluateWave'))), 120_000);

  it('has one id and one handler file per function, step or triggered', () => {
    expect(new Set(ALL_FUNCTIONS.map((s) => s.id)).size).toBe(ALL_FUNCTIONS.length);
    expect(new Set(ALL_FUNCTIONS.map((s) => s.file)).size).toBe(ALL_FUNCTIONS.length);
  });

  it.each(ALL_FUNCTIONS.map((spec) => [spec.file, spec] as const))(
    '%s: the IAM table lists exactly the AWS calls its code makes',
    (_, spec) => {
      const file = handlerFile(spec);
      const inCode = [...sdkCalls(file)].sort();
      const inTable = [...new Set([...spec.grants.flatMap((g) => g.actions), ...spec.asDeployRole])]
        .filter((action) => !IMPLIED.has(action))
        .sort();
      expect(inTable, `${relative(root, file)} and its imports`).toEqual(inCode);
    },
  );

  it.each(ALL_FUNCTIONS.map((spec) => [spec.file, spec] as const))(
    '%s: the stack sets exactly the environment variables its code reads',
    (_, spec) => {
      const file = handlerFile(spec);
      const inCode = [...environmentReads(file)].filter((v) => !(v in UNSET_IN_AWS)).sort();
      expect([...spec.environment].sort(), `${relative(root, file)} and its imports`).toEqual(inCode);
      for (const variable of spec.environment) expect(ENVIRONMENT_VARIABLES).toContain(variable);
      for (const variable of Object.keys(UNSET_IN_AWS)) expect(ENVIRONMENT_VARIABLES).not.toContain(variable);
    },
  );

  it('lets functions in target accounts assume the deploy role, in any account, and no other role', () => {
    for (const spec of ALL_FUNCTIONS) {
      const assume = functionPermissions(spec, scope).filter((s) => s.actions.includes('sts:AssumeRole'));
      const assumesInCode = sdkCalls(handlerFile(spec)).has('sts:AssumeRole');
      expect(assume, spec.id).toHaveLength(assumesInCode ? 1 : 0);
      for (const statement of assume) {
        expect(statement).toEqual({
          actions: ['sts:AssumeRole'],
          resources: ['arn:aws:iam::*:role/crossdeploy-deploy'],
        });
      }
    }
  });

  it('grants "*" only to actions that have no resource type, and everything else in this account and region (repository replicas in theirs, the artifacts bucket by its name)', () => {
    for (const spec of ALL_FUNCTIONS) {
      for (const { actions, resources } of functionPermissions(spec, scope)) {
        expect(resources.length, `${spec.id}: ${actions}`).toBeGreaterThan(0);
        if (resources.includes('*')) {
          expect(resources, spec.id).toEqual(['*']);
          for (const action of actions) expect(NO_RESOURCE_TYPE, `${spec.id}: ${action}`).toContain(action);
          continue;
        }
        for (const action of actions) expect(NO_RESOURCE_TYPE, `${spec.id}: ${action}`).not.toContain(action);
        for (const resource of resources) {
          if (actions.includes('sts:AssumeRole')) continue;
          // S3 ARNs name no region or account: the stage's bucket, whose name holds the tools account.
          if (resource.startsWith('arn:aws:s3:')) {
            expect(resource, spec.id).toMatch(/^arn:aws:s3:::crossdeploy-test-artifacts-111111111111(\/\S+)?$/);
            continue;
          }
          const region = resource.startsWith('arn:aws:ecr:') ? '(?:eu-west-1|us-east-1)' : 'eu-west-1';
          expect(resource, spec.id).toMatch(new RegExp(`^arn:aws:[a-z0-9-]+:${region}:111111111111:\\S+$`));
        }
      }
    }
  });

  it("scopes open-ecr's repository calls to the map's repositories and their replicas, and leaves the registry policy alone", () => {
    expect(functionPermissions(byId('OpenEcr'), scope)).toEqual([
      {
        actions: ['ecr:GetRepositoryPolicy', 'ecr:SetRepositoryPolicy'],
        resources: [
          'arn:aws:ecr:eu-west-1:111111111111:repository/web',
          'arn:aws:ecr:us-east-1:111111111111:repository/web',
        ],
      },
      { actions: [...TRACING_ACTIONS], resources: ['*'] },
    ]);
  });

  it("lets check-packaged-template read the application stacks' templates, and list the bucket to tell a missing one", () => {
    expect(functionPermissions(byId('CheckPackagedTemplate'), scope)).toEqual([
      {
        actions: ['s3:GetObject'],
        resources: ['arn:aws:s3:::crossdeploy-test-artifacts-111111111111/applications/*'],
      },
      { actions: ['s3:ListBucket'], resources: ['arn:aws:s3:::crossdeploy-test-artifacts-111111111111'] },
      { actions: [...TRACING_ACTIONS], resources: ['*'] },
    ]);
  });

  it('lets create-stack-change-set read template versions from the registry and application templates from the bucket, never write either', () => {
    const permissions = functionPermissions(byId('CreateStackChangeSet'), scope);
    expect(permissions.slice(1, 4)).toEqual([
      {
        actions: ['dynamodb:GetItem', 'dynamodb:Query'],
        resources: ['arn:aws:dynamodb:eu-west-1:111111111111:table/crossdeploy-test-templates'],
      },
      ...functionPermissions(byId('CheckPackagedTemplate'), scope).slice(0, 2),
    ]);
    expect(permissions.flatMap((p) => p.actions).filter((a) => /^s3:(Put|Delete)/.test(a))).toEqual([]);
  });

  it("lets check-stack-health assume the deploy role and nothing else: the alarms are read in the target's account", () => {
    const spec = byId('CheckStackHealth');
    expect(functionPermissions(spec, scope)).toEqual([
      { actions: ['sts:AssumeRole'], resources: ['arn:aws:iam::*:role/crossdeploy-deploy'] },
      { actions: [...TRACING_ACTIONS], resources: ['*'] },
    ]);
    expect(spec.asDeployRole).toEqual(['cloudwatch:DescribeAlarms']);
  });

  it("lets evaluate-wave read single ledger records and the deployments' wave objects, and nothing else", () => {
    expect(functionPermissions(byId('EvaluateWave'), scope)).toEqual([
      {
        actions: ['dynamodb:GetItem'],
        resources: ['arn:aws:dynamodb:eu-west-1:111111111111:table/crossdeploy-test-ledger'],
      },
      {
        actions: ['s3:GetObject', 's3:PutObject'],
        resources: [`arn:aws:s3:::${scope.names.artifactsBucket}/deployments/*`],
      },
      { actions: [...TRACING_ACTIONS], resources: ['*'] },
    ]);
  });

  it("lets check-pipeline-request query the ledger's index and write the waves' target lists only", () => {
    expect(functionPermissions(byId('CheckPipelineRequest'), scope)).toEqual([
      {
        actions: ['dynamodb:Query'],
        resources: ['arn:aws:dynamodb:eu-west-1:111111111111:table/crossdeploy-test-ledger/index/byStartedAt'],
      },
      {
        actions: ['s3:PutObject'],
        resources: [`arn:aws:s3:::${scope.names.artifactsBucket}/deployments/*/wave-*/targets.json`],
      },
      { actions: [...TRACING_ACTIONS], resources: ['*'] },
    ]);
  });

  it("lets find-built-image read the map's repositories' image manifests only", () => {
    expect(functionPermissions(byId('FindBuiltImage'), scope)[0]).toEqual({
      actions: ['ecr:BatchGetImage'],
      resources: ['arn:aws:ecr:eu-west-1:111111111111:repository/web'],
    });
  });

  it('keeps the lease steps to the leases table: acquire writes and reads, release deletes', () => {
    const leases = ['arn:aws:dynamodb:eu-west-1:111111111111:table/crossdeploy-test-leases'];
    expect(functionPermissions(byId('AcquireLease'), scope)[0]).toEqual({
      actions: ['dynamodb:PutItem', 'dynamodb:GetItem'],
      resources: leases,
    });
    expect(functionPermissions(byId('ReleaseLease'), scope)[0]).toEqual({
      actions: ['dynamodb:DeleteItem'],
      resources: leases,
    });
  });

  it('lets record-deployment put and update ledger records and nothing else: no read, no delete', () => {
    expect(functionPermissions(byId('RecordDeployment'), scope)).toEqual([
      {
        actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
        resources: ['arn:aws:dynamodb:eu-west-1:111111111111:table/crossdeploy-test-ledger'],
      },
      { actions: [...TRACING_ACTIONS], resources: ['*'] },
    ]);
  });

  it('lets record-stack-deployment put and update ledger records and nothing else, as record-deployment', () => {
    expect(functionPermissions(byId('RecordStackDeployment'), scope)).toEqual(
      functionPermissions(byId('RecordDeployment'), scope),
    );
  });

  it("lets request-approval write approvals, query their index, publish to the gates, fail superseded tasks, read the stage's waves and the ledger", () => {
    const table = 'arn:aws:dynamodb:eu-west-1:111111111111:table/crossdeploy-test-approvals';
    expect(functionPermissions(byId('RequestApproval'), scope)).toEqual([
      { actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem'], resources: [table] },
      { actions: ['dynamodb:Query'], resources: [`${table}/index/byServiceEnvironment`] },
      { actions: ['sns:Publish'], resources: ['arn:aws:sns:eu-west-1:111111111111:prod-approvals'] },
      { actions: ['states:SendTaskFailure'], resources: ['*'] },
      { actions: ['sts:AssumeRole'], resources: ['arn:aws:iam::*:role/crossdeploy-deploy'] },
      {
        actions: ['events:PutEvents'],
        resources: ['arn:aws:events:eu-west-1:111111111111:event-bus/crossdeploy-test'],
      },
      {
        actions: ['ssm:GetParameter'],
        resources: ['arn:aws:ssm:eu-west-1:111111111111:parameter/crossdeploy-test-link-signing-key'],
      },
      {
        actions: ['s3:GetObject'],
        resources: [`arn:aws:s3:::${scope.names.artifactsBucket}/deployments/*/wave-*/targets.json`],
      },
      {
        actions: ['s3:PutObject'],
        resources: [`arn:aws:s3:::${scope.names.artifactsBucket}/deployments/*/approval-*.json`],
      },
      {
        actions: ['dynamodb:Query'],
        resources: ['arn:aws:dynamodb:eu-west-1:111111111111:table/crossdeploy-test-ledger/index/byStartedAt'],
      },
      { actions: [...TRACING_ACTIONS], resources: ['*'] },
    ]);
  });

  it("lets announce-deployment put notices on the stage's bus and nowhere else", () => {
    expect(functionPermissions(byId('AnnounceDeployment'), scope)).toEqual([
      {
        actions: ['events:PutEvents'],
        resources: ['arn:aws:events:eu-west-1:111111111111:event-bus/crossdeploy-test'],
      },
      { actions: [...TRACING_ACTIONS], resources: ['*'] },
    ]);
  });

  it("lets notify publish to the stage's notifications topic and keep its idempotency records, nothing else", () => {
    expect(functionPermissions(byId('Notify'), scope)).toEqual([
      { actions: ['sns:Publish'], resources: ['arn:aws:sns:eu-west-1:111111111111:crossdeploy-test-notifications'] },
      {
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
        resources: ['arn:aws:dynamodb:eu-west-1:111111111111:table/crossdeploy-test-idempotency'],
      },
      {
        actions: ['ssm:GetParameter'],
        resources: ['arn:aws:ssm:eu-west-1:111111111111:parameter/crossdeploy-test-chat-webhook-url'],
      },
      { actions: [...TRACING_ACTIONS], resources: ['*'] },
    ]);
    // The DynamoDB calls are Powertools' (DynamoDBPersistenceLayer), read from the library's compiled code.
    const calls = sdkCalls(handlerFile(byId('Notify')));
    for (const action of ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'])
      expect(calls).toContain(`dynamodb:${action}`);
    // Approval topics are request-approval's: notify cannot publish there.
    const notify = functionPermissions(byId('Notify'), scope).flatMap((s) => s.resources);
    expect(notify).not.toContain('arn:aws:sns:eu-west-1:111111111111:prod-approvals');
  });

  it('lets start-pipeline start the pipeline machine only, and read its executions to tell a duplicate from a re-push', () => {
    expect(functionPermissions(byId('StartPipeline'), scope).slice(0, 2)).toEqual([
      {
        actions: ['states:StartExecution'],
        resources: ['arn:aws:states:eu-west-1:111111111111:stateMachine:crossdeploy-test-pipeline'],
      },
      {
        actions: ['states:DescribeExecution'],
        resources: ['arn:aws:states:eu-west-1:111111111111:execution:crossdeploy-test-pipeline:*'],
      },
    ]);
  });

  it('lets explain-failure describe the executions whose failures it reads: per-target ones of either kind, and service instances', () => {
    expect(functionPermissions(byId('ExplainFailure'), scope)[0]).toEqual({
      actions: ['states:DescribeExecution'],
      resources: [
        'arn:aws:states:eu-west-1:111111111111:execution:crossdeploy-test-deploy-target:*',
        'arn:aws:states:eu-west-1:111111111111:execution:crossdeploy-test-deploy-stack:*',
      ],
    });
  });

  it("lets the webhook and the approval page write to their own table and put events on the stage's bus", () => {
    const bus = 'arn:aws:events:eu-west-1:111111111111:event-bus/crossdeploy-test';
    expect(functionPermissions(byId('GithubWebhook'), scope).slice(0, 2)).toEqual([
      {
        actions: ['dynamodb:PutItem', 'dynamodb:DeleteItem'],
        resources: ['arn:aws:dynamodb:eu-west-1:111111111111:table/crossdeploy-test-deliveries'],
      },
      { actions: ['events:PutEvents'], resources: [bus] },
    ]);
    const permissions = functionPermissions(byId('ApprovalPage'), scope);
    expect(permissions.slice(0, 2)).toEqual([
      {
        actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        resources: ['arn:aws:dynamodb:eu-west-1:111111111111:table/crossdeploy-test-approvals'],
      },
      { actions: ['events:PutEvents'], resources: [bus] },
    ]);
    // A large environment's full list of targets, read only, and no wave's.
    expect(permissions).toContainEqual({
      actions: ['s3:GetObject'],
      resources: [`arn:aws:s3:::${scope.names.artifactsBucket}/deployments/*/approval-*.json`],
    });
  });

  it('sets the declared environment variables and no others, and refuses to deploy one without a value', () => {
    const values = Object.fromEntries(ENVIRONMENT_VARIABLES.map((name) => [name, `value of ${name}`]));
    expect(functionEnvironment(byId('AcquireLease'), values)).toEqual({
      CROSSDEPLOY_LEASES_TABLE: 'value of CROSSDEPLOY_LEASES_TABLE',
      CROSSDEPLOY_PIPELINE_ARN: 'value of CROSSDEPLOY_PIPELINE_ARN',
    });
    expect(functionEnvironment(byId('ExplainFailure'), values)).toEqual({});
    expect(() => functionEnvironment(byId('StartPipeline'), { CROSSDEPLOY_MAP_FILE: 'crossdeploy.yaml' })).toThrow(
      'StartPipeline: no value for its environment variable CROSSDEPLOY_PIPELINE_ARN',
    );
  });
});

describe('stack configuration', () => {
  it('takes the deploy role from CROSSDEPLOY_DEPLOY_ROLE, crossdeploy-deploy by default', () => {
    expect(deployRoleName({})).toBe(DEFAULT_DEPLOY_ROLE);
    expect(deployRoleName({ CROSSDEPLOY_DEPLOY_ROLE: ' ' })).toBe(DEFAULT_DEPLOY_ROLE);
    expect(deployRoleName({ CROSSDEPLOY_DEPLOY_ROLE: 'acme-deployer' })).toBe('acme-deployer');
    expect(() => deployRoleName({ CROSSDEPLOY_DEPLOY_ROLE: 'role/*' })).toThrow('is not an IAM role name');
  });

  it('keeps logs longer in prod', () => {
    expect(logRetention('prod')).toEqual({ name: '1 year', days: 365 });
    expect(logRetention('dev')).toEqual({ name: '1 month', days: 30 });
  });

  it('names resources per stage, within AWS limits', () => {
    expect(stageName('crossdeploy', 'dev', 'deploy-target', 80)).toBe('crossdeploy-dev-deploy-target');
    expect(() => stageName('crossdeploy', 'x'.repeat(60), 'deploy-environment-sfn', 64)).toThrow('longer than 64');
  });
});
