// sst.config.ts's run(), executed with stand-ins for SST's and Pulumi's globals: which resources the app
// declares and how it wires them (environment, bundled files, routes, rules, definitions). Nothing here talks
// to AWS or runs Pulumi; the Pulumi types are checked by scripts/typecheck-infra.sh.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orchestratorRoleNamePattern } from '../../core/iam/target-account';
import { PACKAGE_BUILDSPEC, packageEnvironment } from '../../stacks/images';
import { ENVIRONMENT_VARIABLES, STEP_FUNCTIONS, UNSET_IN_AWS } from '../../stacks/steps';
import { TRIGGERED_FUNCTIONS } from '../../stacks/triggered';
import { root } from './code';

/** A resolved Pulumi Output: `apply` runs at once, an Output returned from it is flattened. */
class Out<T> {
  constructor(readonly value: T) {}
  apply<U>(f: (value: T) => U | Out<U>): Out<U> {
    const result = f(this.value);
    return result instanceof Out ? result : new Out(result);
  }
}
const out = <T>(value: T) => new Out(value);

/** Every Output inside a value replaced by what it holds. */
function plain(value: unknown): unknown {
  if (value instanceof Out) return plain(value.value);
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

interface Declared {
  type: string;
  name: string;
  args: Record<string, unknown>;
  /** Pulumi resource options (retainOnDelete, dependsOn...), as given. */
  opts: Record<string, unknown> | undefined;
}
const declared: Declared[] = [];
const routes: [string, unknown][] = [];

function resourceClass(type: string) {
  return class {
    readonly name: Out<string>;
    readonly arn: Out<string>;
    readonly id: Out<string>;
    readonly url: Out<string>;
    /** An S3 bucket's name. */
    readonly bucket: Out<string>;
    readonly value = out('secret value');
    constructor(name: string, given: Record<string, unknown> | string = {}, opts?: Record<string, unknown>) {
      // sst.Secret's second argument is its placeholder, a string.
      const args = typeof given === 'string' ? { placeholder: given } : given;
      declared.push({ type, name, args, opts });
      const explicit = plain(args.name);
      this.name = out(typeof explicit === 'string' ? explicit : `${name}-generated`);
      this.arn = out(`arn:aws:test:::${type}/${name}`);
      this.id = out(name);
      this.url = out(type === 'sst.aws.ApiGatewayV2' ? 'https://api.example.com' : `https://sqs/${name}`);
      const bucket = plain(args.bucket);
      this.bucket = out(typeof bucket === 'string' ? bucket : `${name}-generated`);
    }
    route(route: string, handler: unknown) {
      routes.push([route, plain(handler)]);
    }
  };
}

/** `aws.dynamodb.Table` and the like: any capitalized member is a resource class. */
function namespace(prefix: string): unknown {
  return new Proxy(
    {},
    {
      get: (_, key) =>
        typeof key === 'string' && /^[A-Z]/.test(key)
          ? resourceClass(`${prefix}.${key}`)
          : namespace(`${prefix}.${String(key)}`),
    },
  );
}

const GLOBALS = ['$config', '$app', '$cli', '$resolve', '$interpolate', '$util', 'aws', 'sst'] as const;
let result: Record<string, unknown>;
const saved = new Map<string, unknown>();
let app: { default: { run(): Promise<Record<string, unknown>> } };

/** run() again with another map (CROSSDEPLOY_MAP_FILE): what it declares, and its outputs. */
async function runWithMap(mapFile: string): Promise<{ declared: Declared[]; result: Record<string, unknown> }> {
  const before = declared.length;
  const previous = process.env.CROSSDEPLOY_MAP_FILE;
  process.env.CROSSDEPLOY_MAP_FILE = mapFile;
  try {
    const output = plain(await app.default.run()) as Record<string, unknown>;
    return { declared: declared.splice(before), result: output };
  } finally {
    if (previous === undefined) delete process.env.CROSSDEPLOY_MAP_FILE;
    else process.env.CROSSDEPLOY_MAP_FILE = previous;
  }
}

beforeAll(async () => {
  const g = globalThis as Record<string, unknown>;
  for (const name of GLOBALS) saved.set(name, g[name]);
  const invokes: Record<string, unknown> = {
    getCallerIdentity: async () => ({ accountId: '111111111111' }),
    getRegion: async () => ({ region: 'us-east-1' }),
    getPartitionOutput: () => ({ partition: out('aws') }),
    getCallerIdentityOutput: () => ({ accountId: out('111111111111') }),
    getRegionOutput: () => ({ region: out('us-east-1') }),
  };
  Object.assign(g, {
    $config: (config: unknown) => config,
    $app: { name: 'crossdeploy', stage: 'test' },
    $cli: { paths: { root } },
    $resolve: (inputs: Record<string, unknown>) => out(plain(inputs)),
    $interpolate: (parts: TemplateStringsArray, ...values: unknown[]) =>
      out(parts.raw.map((part, i) => part + (i < values.length ? String(plain(values[i])) : '')).join('')),
    $util: { all: (inputs: unknown[]) => out(plain(inputs)) },
    aws: new Proxy(invokes, {
      get: (target, key) =>
        target[key as string] ??
        (typeof key === 'string' && /^[A-Z]/.test(key) ? resourceClass(`aws.${key}`) : namespace(`aws.${String(key)}`)),
    }),
    sst: { aws: namespace('sst.aws'), Secret: resourceClass('sst.Secret') },
  });
  // Not a literal import: the project's tsc would follow it into SST's platform types, which only
  // scripts/typecheck-infra.sh installs and checks (with its own options).
  const config = '../../sst.config.ts';
  app = (await import(/* @vite-ignore */ config)) as typeof app;
  result = plain(await app.default.run()) as Record<string, unknown>;
});

afterAll(() => {
  const g = globalThis as Record<string, unknown>;
  for (const [name, value] of saved) {
    if (value === undefined) delete g[name];
    else g[name] = value;
  }
});

const ofType = (type: string) => declared.filter((d) => d.type === type);
/** The Pulumi names of what a resource was declared to depend on (`dependsOn`). */
const dependencies = (resource: Pick<Declared, 'opts'>) =>
  ((resource.opts?.dependsOn ?? []) as { id: Out<string> }[]).map((d) => d.id.value);
const named = (type: string, name: string) => {
  const found = declared.find((d) => d.type === type && d.name === name);
  if (!found) throw new Error(`no ${type} ${name}`);
  return { ...found, args: plain(found.args) as Record<string, unknown> };
};

describe('sst.config.ts', () => {
  it('declares the tables, topics, repositories, build, bus, API, secrets, functions and workflows', () => {
    expect(ofType('aws.dynamodb.Table').map((d) => plain(d.args.name))).toEqual([
      'crossdeploy-test-deliveries',
      'crossdeploy-test-approvals',
      'crossdeploy-test-waits',
      'crossdeploy-test-leases',
      'crossdeploy-test-ledger',
      'crossdeploy-test-templates',
      'crossdeploy-test-idempotency',
    ]);
    expect(ofType('aws.sns.Topic').map((d) => plain(d.args.name))).toEqual([
      'prod-approvals',
      'crossdeploy-test-notifications',
      'crossdeploy-test-alerts',
    ]);
    // The repository in the tools account's region, and its replica in the map's other region.
    expect(ofType('aws.ecr.Repository').map((d) => d.name)).toEqual(['WebRepository', 'WebReplicaEuWest1Repository']);
    expect(ofType('aws.ecr.Repository').map((d) => plain(d.args.name))).toEqual(['web', 'web']);
    expect(ofType('aws.ecr.ReplicationConfiguration').map((d) => d.name)).toEqual(['ImageReplication']);
    // web's image build and orders' packaging (the example's application stack), sorted by service.
    expect(ofType('aws.codebuild.Project').map((d) => plain(d.args.name))).toEqual([
      'crossdeploy-test-build-orders',
      'crossdeploy-test-build-web',
    ]);
    expect(ofType('aws.s3.Bucket').map((d) => plain(d.args.bucket))).toEqual([
      'crossdeploy-test-artifacts-111111111111',
    ]);
    expect(ofType('aws.cloudwatch.EventBus').map((d) => plain(d.args.name))).toEqual(['crossdeploy-test']);
    expect(ofType('sst.Secret').map((d) => d.name)).toEqual([
      'GithubWebhookSecret',
      'LinkSigningKey',
      'ChatWebhookUrl',
    ]);
    expect(ofType('sst.aws.Function').map((d) => d.name)).toEqual(
      [...STEP_FUNCTIONS, ...TRIGGERED_FUNCTIONS].map((spec) => `${spec.id}Function`),
    );
    expect(ofType('aws.sfn.StateMachine').map((d) => plain(d.args.name))).toEqual([
      'crossdeploy-test-rollback-stack',
      'crossdeploy-test-rollback-target',
      'crossdeploy-test-deploy-stack',
      'crossdeploy-test-deploy-target',
      'crossdeploy-test-deploy-environment',
      'crossdeploy-test-pipeline',
    ]);
    expect(result).toMatchObject({
      api: 'https://api.example.com',
      githubWebhook: 'https://api.example.com/webhooks/github',
      eventBus: 'crossdeploy-test',
      buildProjects: ['crossdeploy-test-build-orders', 'crossdeploy-test-build-web'],
      notificationsTopic: 'arn:aws:test:::aws.sns.Topic/NotificationsTopic',
      ledgerTable: 'crossdeploy-test-ledger',
      templatesTable: 'crossdeploy-test-templates',
      artifactsBucket: 'crossdeploy-test-artifacts-111111111111',
    });
  });

  it("names every resource it names after the stage, but for the map's repositories and approval topics", () => {
    // Those two keep the map's names on purpose: find-built-image, the targets' task definitions and
    // request-approval use the map's names (docs/deploying.md says what that means for two stages in one account).
    const fromMap = new Set(['web', 'prod-approvals']);
    const explicit = declared
      .map((d) => ({ resource: `${d.type} ${d.name}`, name: plain(d.args.name) }))
      .filter((d): d is { resource: string; name: string } => typeof d.name === 'string');
    expect(explicit.length).toBeGreaterThan(20);
    for (const { resource, name } of explicit) {
      if (fromMap.has(name)) continue;
      // Log groups keep AWS's path conventions, with the stage's name at the end.
      expect(name, resource).toMatch(/^(\/aws\/(vendedlogs\/states|codebuild)\/)?crossdeploy-test(-[\w-]+)?$/);
    }
    expect(explicit.filter((d) => fromMap.has(d.name)).map((d) => d.resource)).toEqual([
      'aws.sns.Topic ApprovalTopicProdApprovals',
      'aws.ecr.Repository WebRepository',
      'aws.ecr.Repository WebReplicaEuWest1Repository',
    ]);
  });

  it('keeps the ledger and the template registry in every stage: point-in-time recovery, deletion protection, retained on removal', () => {
    const tables = ofType('aws.dynamodb.Table').map((d) => ({
      name: plain(d.args.name),
      pitr: plain(d.args.pointInTimeRecovery),
      protection: plain(d.args.deletionProtectionEnabled),
      retain: d.opts?.retainOnDelete,
    }));
    // Stage "test" is not prod: only the ledger and the template registry are protected and retained.
    expect(tables).toEqual([
      { name: 'crossdeploy-test-deliveries', pitr: { enabled: false }, protection: false, retain: undefined },
      { name: 'crossdeploy-test-approvals', pitr: { enabled: false }, protection: false, retain: undefined },
      { name: 'crossdeploy-test-waits', pitr: { enabled: false }, protection: false, retain: undefined },
      { name: 'crossdeploy-test-leases', pitr: { enabled: false }, protection: false, retain: undefined },
      { name: 'crossdeploy-test-ledger', pitr: { enabled: true }, protection: true, retain: true },
      { name: 'crossdeploy-test-templates', pitr: { enabled: true }, protection: true, retain: true },
      { name: 'crossdeploy-test-idempotency', pitr: { enabled: false }, protection: false, retain: undefined },
    ]);
    expect(named('aws.dynamodb.Table', 'LedgerTable').args.ttl).toBeUndefined();
    expect(named('aws.dynamodb.Table', 'TemplatesTable').args.ttl).toBeUndefined();
    expect(named('aws.dynamodb.Table', 'IdempotencyTable').args.ttl).toEqual({
      attributeName: 'expiration',
      enabled: true,
    });
  });

  it('declares the chat webhook as an optional secret: empty unless set', () => {
    expect(named('sst.Secret', 'ChatWebhookUrl').args).toEqual({ placeholder: '' });
    for (const secret of ['GithubWebhookSecret', 'LinkSigningKey']) {
      expect(named('sst.Secret', secret).args, secret).toEqual({});
    }
  });

  it('gives each function exactly the environment it declares, and the secrets only by their SSM parameter', () => {
    for (const spec of [...STEP_FUNCTIONS, ...TRIGGERED_FUNCTIONS]) {
      const environment = named('sst.aws.Function', `${spec.id}Function`).args.environment as Record<string, string>;
      const ours = Object.keys(environment).filter((k) => (ENVIRONMENT_VARIABLES as readonly string[]).includes(k));
      expect(ours.sort(), spec.id).toEqual([...spec.environment].sort());
      expect(Object.keys(environment).filter((k) => !ours.includes(k) && !k.startsWith('POWERTOOLS_'))).toEqual([]);
    }
    // No secret value (the mocks resolve every sst.Secret to 'secret value') in any function's environment.
    for (const spec of [...STEP_FUNCTIONS, ...TRIGGERED_FUNCTIONS]) {
      const environment = named('sst.aws.Function', `${spec.id}Function`).args.environment as Record<string, string>;
      expect(Object.values(environment), spec.id).not.toContain('secret value');
    }
    const webhook = named('sst.aws.Function', 'GithubWebhookFunction').args.environment as Record<string, string>;
    expect(webhook).toMatchObject({
      CROSSDEPLOY_GITHUB_WEBHOOK_SECRET_PARAM: 'crossdeploy-test-github-webhook-secret',
      CROSSDEPLOY_DELIVERIES_TABLE: 'crossdeploy-test-deliveries',
      CROSSDEPLOY_EVENT_BUS_NAME: 'crossdeploy-test',
      CROSSDEPLOY_MAP_FILE: 'crossdeploy.yaml',
    });
    // notify: the stage's topic and idempotency table; the chat webhook from its (optional) secret.
    expect(named('sst.aws.Function', 'NotifyFunction').args.environment).toMatchObject({
      CROSSDEPLOY_NOTIFICATIONS_TOPIC_ARN: 'arn:aws:test:::aws.sns.Topic/NotificationsTopic',
      CROSSDEPLOY_CHAT_WEBHOOK_URL_PARAM: 'crossdeploy-test-chat-webhook-url',
      CROSSDEPLOY_IDEMPOTENCY_TABLE: 'crossdeploy-test-idempotency',
    });
    expect(named('sst.aws.Function', 'RecordDeploymentFunction').args.environment).toMatchObject({
      CROSSDEPLOY_LEDGER_TABLE: 'crossdeploy-test-ledger',
    });
    // The stack steps read the application stacks' templates from the bucket the stage creates.
    for (const id of ['CreateStackChangeSet', 'CheckPackagedTemplate']) {
      expect(named('sst.aws.Function', `${id}Function`).args.environment, id).toMatchObject({
        CROSSDEPLOY_ARTIFACTS_BUCKET: 'crossdeploy-test-artifacts-111111111111',
      });
    }
    // Unset on purpose: execution links open the Step Functions console.
    for (const spec of [...STEP_FUNCTIONS, ...TRIGGERED_FUNCTIONS]) {
      const environment = named('sst.aws.Function', `${spec.id}Function`).args.environment as Record<string, string>;
      for (const variable of Object.keys(UNSET_IN_AWS)) expect(environment, spec.id).not.toHaveProperty(variable);
    }
    const requestApproval = named('sst.aws.Function', 'RequestApprovalFunction').args.environment;
    expect(requestApproval).toMatchObject({
      CROSSDEPLOY_PUBLIC_URL: 'https://api.example.com',
      CROSSDEPLOY_LINK_SIGNING_KEY_PARAM: 'crossdeploy-test-link-signing-key',
    });
    // Built from the machine's name (the machine itself is created after the functions its definition names).
    const pipelineArn = `arn:aws:states:us-east-1:111111111111:stateMachine:${plain(named('aws.sfn.StateMachine', 'PipelineStateMachine').args.name)}`;
    for (const fn of ['StartPipelineFunction', 'AcquireLeaseFunction']) {
      expect(named('sst.aws.Function', fn).args.environment).toMatchObject({ CROSSDEPLOY_PIPELINE_ARN: pipelineArn });
    }
  });

  it('bundles the map with the functions that read it, and with no other', () => {
    for (const spec of [...STEP_FUNCTIONS, ...TRIGGERED_FUNCTIONS]) {
      const { copyFiles } = named('sst.aws.Function', `${spec.id}Function`).args;
      const readsMap = (spec.environment as readonly string[]).includes('CROSSDEPLOY_MAP_FILE');
      const bundle = [
        'crossdeploy.yaml',
        'templates/environments/ecs-environment/v1.0/schema.json',
        'templates/services/web-service/v1.0/schema.json',
      ];
      expect(copyFiles, spec.id).toEqual(readsMap ? bundle.map((from) => ({ from })) : undefined);
    }
  });

  it('routes the API to the webhook and approval functions', () => {
    const fn = (id: string) => `arn:aws:test:::sst.aws.Function/${id}Function`;
    expect(routes).toEqual([
      ['POST /webhooks/github', fn('GithubWebhook')],
      ['GET /approvals/{id}', fn('ApprovalPage')],
      ['POST /approvals/{id}', fn('ApprovalPage')],
    ]);
  });

  it('targets each rule at its function, with retries and a dead-letter queue, and lets EventBridge invoke it', () => {
    const targets = ofType('aws.cloudwatch.EventTarget').map((d) => plain(d.args) as Record<string, unknown>);
    expect(targets.map((t) => [t.rule, t.eventBusName, t.arn, (t.deadLetterConfig as { arn: string }).arn])).toEqual([
      [
        'crossdeploy-test-pushes',
        'crossdeploy-test',
        'arn:aws:test:::sst.aws.Function/StartPipelineFunction',
        'arn:aws:test:::aws.sqs.Queue/StartPipelineDeadLetters',
      ],
      [
        'crossdeploy-test-codecommit-pushes',
        'default',
        'arn:aws:test:::sst.aws.Function/StartPipelineFunction',
        'arn:aws:test:::aws.sqs.Queue/StartPipelineDeadLetters',
      ],
      [
        'crossdeploy-test-approval-decisions',
        'crossdeploy-test',
        'arn:aws:test:::sst.aws.Function/ResumeApprovalFunction',
        'arn:aws:test:::aws.sqs.Queue/ResumeApprovalDeadLetters',
      ],
      [
        'crossdeploy-test-rollouts-ended',
        'crossdeploy-test',
        'arn:aws:test:::sst.aws.Function/ResumeTargetWaitFunction',
        'arn:aws:test:::aws.sqs.Queue/ResumeTargetWaitDeadLetters',
      ],
      [
        'crossdeploy-test-alarms-raised',
        'crossdeploy-test',
        'arn:aws:test:::sst.aws.Function/ResumeTargetWaitFunction',
        'arn:aws:test:::aws.sqs.Queue/ResumeTargetWaitDeadLetters',
      ],
      [
        'crossdeploy-test-notifications',
        'crossdeploy-test',
        'arn:aws:test:::sst.aws.Function/NotifyFunction',
        'arn:aws:test:::aws.sqs.Queue/NotifyDeadLetters',
      ],
      [
        'crossdeploy-test-forwarded-target-events',
        'crossdeploy-test',
        'arn:aws:test:::sst.aws.Function/NotifyFunction',
        'arn:aws:test:::aws.sqs.Queue/NotifyDeadLetters',
      ],
    ]);
    for (const target of targets) expect(target.retryPolicy).toBeDefined();
    expect(ofType('aws.lambda.Permission').map((d) => plain(d.args.principal))).toEqual(
      Array(7).fill('events.amazonaws.com'),
    );
    expect(named('aws.sqs.Queue', 'NotifyDeadLetters').args.name).toBe('crossdeploy-test-notify-dead-letters');
    const startPipeline = named('sst.aws.Function', 'StartPipelineFunction').args.permissions as {
      actions: string[];
      resources: string[];
    }[];
    expect(startPipeline).toContainEqual({
      actions: ['sqs:SendMessage'],
      resources: ['arn:aws:test:::aws.sqs.Queue/StartPipelineDeadLetters'],
    });
    expect(ofType('aws.lambda.FunctionEventInvokeConfig').map((d) => d.name)).toEqual([
      'StartPipelineAsyncInvoke',
      'ResumeApprovalAsyncInvoke',
      'ResumeTargetWaitAsyncInvoke',
      'NotifyAsyncInvoke',
    ]);
  });

  it("builds the pipeline's definition with the build project's name and every ARN, leaving no placeholder", () => {
    const pipeline = named('aws.sfn.StateMachine', 'PipelineStateMachine').args;
    const definition = pipeline.definition as string;
    // Only the buildspec's own shell variables (`${CROSSDEPLOY_TEST_COMMAND:-}`) may remain.
    expect(definition).not.toMatch(/\$\{\w+\}/);
    const { States } = JSON.parse(definition) as { States: Record<string, { Parameters?: Record<string, unknown> }> };
    expect(States['Build image once']?.Parameters?.['ProjectName.$']).toBe(
      "States.Format('crossdeploy-test-build-{}', $.serviceName)",
    );
    expect(States['Deploy environment']?.Parameters?.StateMachineArn).toBe(
      'arn:aws:test:::aws.sfn.StateMachine/DeployEnvironmentStateMachine',
    );
    const policy = JSON.parse(named('aws.iam.RolePolicy', 'PipelineStateMachinePolicy').args.policy as string) as {
      Statement: { Sid: string; Resource: string[] }[];
    };
    expect(policy.Statement.find((s) => s.Sid === 'RunBuilds')?.Resource).toEqual([
      'arn:aws:codebuild:us-east-1:111111111111:project/crossdeploy-test-build-orders',
      'arn:aws:codebuild:us-east-1:111111111111:project/crossdeploy-test-build-web',
    ]);
  });

  it("gives each service's build project its buildspec, a privileged environment for its platforms and a role of its own", () => {
    const project = named('aws.codebuild.Project', 'WebBuild').args;
    expect(project.source).toMatchObject({ type: 'NO_SOURCE' });
    // The example's web builds linux/amd64 and linux/arm64: on x86_64, arm64 emulated.
    expect(project.environment).toMatchObject({ type: 'LINUX_CONTAINER', privilegedMode: true });
    expect(project.serviceRole).toBe('arn:aws:test:::aws.iam.Role/WebBuildRole');
    expect(named('aws.ecr.LifecyclePolicy', 'WebRepositoryLifecycle').args.repository).toBe('web');
  });

  it("keeps the artifacts bucket private, encrypted with S3-managed keys and TLS only, expires deployments' waves after 90 days, and lets a dev stage remove it with its objects", () => {
    const bucket = named('aws.s3.Bucket', 'ArtifactsBucket').args;
    expect(bucket).toEqual({ bucket: 'crossdeploy-test-artifacts-111111111111', forceDestroy: true });
    expect(named('aws.s3.BucketPublicAccessBlock', 'ArtifactsBucketPublicAccess').args).toEqual({
      bucket: 'ArtifactsBucket',
      blockPublicAcls: true,
      ignorePublicAcls: true,
      blockPublicPolicy: true,
      restrictPublicBuckets: true,
    });
    expect(named('aws.s3.BucketServerSideEncryptionConfiguration', 'ArtifactsBucketEncryption').args).toEqual({
      bucket: 'ArtifactsBucket',
      rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }],
    });
    const policy = named('aws.s3.BucketPolicy', 'ArtifactsBucketPolicy');
    expect(policy.args.bucket).toBe('ArtifactsBucket');
    expect(JSON.parse(policy.args.policy as string).Statement).toEqual([
      {
        Sid: 'DenyInsecureTransport',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Resource: ['arn:aws:test:::aws.s3.Bucket/ArtifactsBucket', 'arn:aws:test:::aws.s3.Bucket/ArtifactsBucket/*'],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
    ]);
    expect(dependencies(policy)).toEqual(['ArtifactsBucketPublicAccess']);
    // Only deployments' waves expire: a rollback may redeploy any commit's template.
    expect(ofType('aws.s3.BucketLifecycleConfiguration')).toHaveLength(1);
    expect(named('aws.s3.BucketLifecycleConfiguration', 'ArtifactsBucketLifecycle').args).toEqual({
      bucket: 'ArtifactsBucket',
      rules: [
        {
          id: 'expire-deployment-waves',
          status: 'Enabled',
          filter: { prefix: 'deployments/' },
          expiration: { days: 90 },
        },
      ],
    });
  });

  it('keeps the artifacts bucket and its templates when prod is removed', async () => {
    const g = globalThis as unknown as { $app: { stage: string } };
    g.$app.stage = 'prod';
    try {
      const prod = await runWithMap('crossdeploy.yaml');
      const bucket = prod.declared.find((d) => d.type === 'aws.s3.Bucket');
      expect(plain(bucket?.args)).toEqual({ bucket: 'crossdeploy-prod-artifacts-111111111111', forceDestroy: false });
    } finally {
      g.$app.stage = 'test';
    }
  });

  it('gives each application stack a packaging project of its own: its buildspec, unprivileged, the bucket, a role that may store its templates only', async () => {
    const other = await runWithMap('test/stacks/fixtures/application-map.yaml');
    const find = (type: string, name: string) => {
      const found = other.declared.find((d) => d.type === type && d.name === name);
      if (!found) throw new Error(`no ${type} ${name}`);
      return found;
    };
    const project = find('aws.codebuild.Project', 'OrdersBuild');
    expect(plain(project.args)).toMatchObject({
      name: 'crossdeploy-test-build-orders',
      serviceRole: 'arn:aws:test:::aws.iam.Role/OrdersBuildRole',
      source: { type: 'NO_SOURCE', buildspec: PACKAGE_BUILDSPEC },
      artifacts: { type: 'NO_ARTIFACTS' },
      environment: {
        ...packageEnvironment(),
        environmentVariables: [
          { name: 'CROSSDEPLOY_ARTIFACTS_BUCKET', type: 'PLAINTEXT', value: 'crossdeploy-test-artifacts-111111111111' },
          { name: 'CROSSDEPLOY_TEST_COMMAND', type: 'PLAINTEXT', value: '' },
        ],
      },
      logsConfig: {
        cloudwatchLogs: { status: 'ENABLED', groupName: '/aws/codebuild/crossdeploy-test-build-orders' },
      },
    });
    // Its role's policy, and the bucket it writes to, before its first build.
    expect(dependencies(project)).toEqual(['OrdersBuildPolicy', 'ArtifactsBucket']);
    expect(plain(find('aws.iam.Role', 'OrdersBuildRole').args.name)).toBe('crossdeploy-test-build-orders');
    const policy = JSON.parse(plain(find('aws.iam.RolePolicy', 'OrdersBuildPolicy').args.policy) as string) as {
      Statement: { Sid: string; Action: string[]; Resource: string[] }[];
    };
    expect(policy.Statement.map((s) => [s.Sid, s.Action, s.Resource])).toEqual([
      ['PullSource', ['codecommit:GitPull'], ['arn:aws:codecommit:us-east-1:111111111111:orders-repo']],
      [
        'StoreTemplates',
        ['s3:PutObject'],
        ['arn:aws:s3:::crossdeploy-test-artifacts-111111111111/applications/orders/*'],
      ],
      [
        'WriteItsLogs',
        ['logs:CreateLogStream', 'logs:PutLogEvents'],
        ['arn:aws:logs:us-east-1:111111111111:log-group:/aws/codebuild/crossdeploy-test-build-orders:log-stream:*'],
      ],
    ]);
    // The web service's image build is as before: privileged, with its registry.
    expect(plain(find('aws.codebuild.Project', 'WebBuild').args.environment)).toMatchObject({ privilegedMode: true });
    expect(other.result.buildProjects).toEqual(['crossdeploy-test-build-orders', 'crossdeploy-test-build-web']);
    // The pipeline may run and follow both projects, and waits for them to exist.
    const pipeline = find('aws.iam.RolePolicy', 'PipelineStateMachinePolicy');
    const pipelinePolicy = JSON.parse(plain(pipeline.args.policy) as string) as {
      Statement: { Sid: string; Resource: string[] }[];
    };
    expect(pipelinePolicy.Statement.find((s) => s.Sid === 'RunBuilds')?.Resource).toEqual([
      'arn:aws:codebuild:us-east-1:111111111111:project/crossdeploy-test-build-orders',
      'arn:aws:codebuild:us-east-1:111111111111:project/crossdeploy-test-build-web',
    ]);
    expect(dependencies(find('aws.sfn.StateMachine', 'PipelineStateMachine'))).toEqual([
      'PipelineStateMachinePolicy',
      'OrdersBuild',
      'WebBuild',
    ]);
    const definition = JSON.parse(
      plain(find('aws.sfn.StateMachine', 'PipelineStateMachine').args.definition) as string,
    );
    expect(definition.States['Package application stack once'].Parameters.BuildspecOverride).toBe(PACKAGE_BUILDSPEC);
  });

  it('gives the bus no resource policy when the map names no Organization', () => {
    expect(ofType('aws.cloudwatch.EventBusPolicy')).toEqual([]);
  });

  it("lets the map's Organization (ecr.principalOrgId) put events on the bus, and nobody else", async () => {
    const other = await runWithMap('test/stacks/fixtures/organization-map.yaml');
    const policies = other.declared.filter((d) => d.type === 'aws.cloudwatch.EventBusPolicy');
    expect(policies.map((d) => d.name)).toEqual(['BusPolicy']);
    const args = plain(policies[0]?.args) as { eventBusName: string; policy: string };
    expect(args.eventBusName).toBe('crossdeploy-test');
    // The same map's CodeCommit service: its build's role may pull its repository and push its own only.
    const build = other.declared.find((d) => d.type === 'aws.iam.RolePolicy' && d.name === 'JobsBuildPolicy');
    const buildPolicy = JSON.parse(plain(build?.args.policy) as string) as {
      Statement: { Sid: string; Resource: string[] }[];
    };
    expect(buildPolicy.Statement.find((s) => s.Sid === 'PushImages')?.Resource).toEqual([
      'arn:aws:ecr:us-east-1:111111111111:repository/jobs',
    ]);
    expect(buildPolicy.Statement[0]).toEqual({
      Sid: 'PullSource',
      Effect: 'Allow',
      Action: ['codecommit:GitPull'],
      Resource: ['arn:aws:codecommit:us-east-1:111111111111:jobs-repo'],
    });
    expect(JSON.parse(args.policy)).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'OrganizationPutEvents',
          Effect: 'Allow',
          Principal: '*',
          Action: 'events:PutEvents',
          Resource: 'arn:aws:test:::aws.cloudwatch.EventBus/Bus',
          Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } },
        },
      ],
    });
  });

  it('alarms on any failed execution of each state machine, to crossdeploy-<stage>-alerts', () => {
    const topic = named('aws.sns.Topic', 'AlertsTopic');
    expect(topic.args.name).toBe('crossdeploy-test-alerts');
    const alarms = ofType('aws.cloudwatch.MetricAlarm').map((d) => plain(d.args) as Record<string, unknown>);
    const machines = [
      'RollbackStack',
      'RollbackTarget',
      'DeployStack',
      'DeployTarget',
      'DeployEnvironment',
      'Pipeline',
    ];
    expect(alarms.map((a) => a.name)).toEqual([
      'crossdeploy-test-rollback-stack-executions-failed',
      'crossdeploy-test-rollback-target-executions-failed',
      'crossdeploy-test-deploy-stack-executions-failed',
      'crossdeploy-test-deploy-target-executions-failed',
      'crossdeploy-test-deploy-environment-executions-failed',
      'crossdeploy-test-pipeline-executions-failed',
    ]);
    alarms.forEach((alarm, i) => {
      expect(alarm).toMatchObject({
        namespace: 'AWS/States',
        metricName: 'ExecutionsFailed',
        statistic: 'Sum',
        period: 300,
        evaluationPeriods: 1,
        threshold: 1,
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
        alarmActions: ['arn:aws:test:::aws.sns.Topic/AlertsTopic'],
      });
      expect(alarm.dimensions).toEqual({
        StateMachineArn: `arn:aws:test:::aws.sfn.StateMachine/${machines[i]}StateMachine`,
      });
    });
    expect(result.alertsTopic).toBe('arn:aws:test:::aws.sns.Topic/AlertsTopic');
  });

  it('creates the doctor role: named to match the deploy role trust, assumable from the tools account, nothing more', () => {
    const role = named('aws.iam.Role', 'DoctorRole').args;
    expect(role.name).toBe('crossdeploy-test-doctor');
    // The deploy role trusts tools-account roles matching crossdeploy-<stage>-* (OrchestratorRoleNamePattern).
    const pattern = orchestratorRoleNamePattern('crossdeploy', 'test', []);
    expect(String(role.name)).toMatch(new RegExp(`^${pattern.replace('*', '.*')}$`));
    expect(JSON.parse(role.assumeRolePolicy as string)).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'ToolsAccountAdmins',
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::111111111111:root' },
          Action: 'sts:AssumeRole',
        },
      ],
    });
    const policy = named('aws.iam.RolePolicy', 'DoctorPolicy').args;
    expect(policy.role).toBe('DoctorRole');
    expect(JSON.parse(policy.policy as string).Statement).toEqual([
      {
        Sid: 'AssumeDeployRole',
        Effect: 'Allow',
        Action: ['sts:AssumeRole'],
        Resource: ['arn:aws:iam::*:role/crossdeploy-deploy'],
      },
      {
        Sid: 'ReadRepositories',
        Effect: 'Allow',
        Action: ['ecr:DescribeRepositories', 'ecr:GetRepositoryPolicy'],
        Resource: ['arn:aws:ecr:us-east-1:111111111111:repository/web'],
      },
      {
        Sid: 'ReadTemplateRegistry',
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:Query'],
        Resource: [expect.stringMatching(/^arn:aws:dynamodb:us-east-1:111111111111:table\/crossdeploy-.*-templates$/)],
      },
    ]);
    expect(ofType('aws.iam.RolePolicyAttachment').filter((d) => d.name.startsWith('Doctor'))).toEqual([]);
    expect(result.doctorRole).toBe('arn:aws:test:::aws.iam.Role/DoctorRole');
  });

  it('lets the doctor make, with its own credentials, exactly the calls aws/doctor-checks.ts makes outside targets', () => {
    const source = readFileSync(join(root, 'aws/doctor-checks.ts'), 'utf8');
    // Commands sent on the orchestrator's clients (sts, ecr); the rest go through the deploy role's credentials.
    const commands = [...source.matchAll(/new (\w+)Command\(/g)].map((m) => m[1]);
    expect([...new Set(commands)].sort()).toEqual([
      'AssumeRole',
      'DescribeAlarms',
      'DescribeServices',
      'DescribeStacks',
      'DescribeTaskDefinition',
      'GetRepositoryPolicy',
      'GetRolePolicy',
    ]);
    // The template registry is read through aws/template-registry.ts readTemplateVersion: GetItem, then Query.
    expect(source).toContain('readTemplateVersion(');
    const policy = JSON.parse(named('aws.iam.RolePolicy', 'DoctorPolicy').args.policy as string) as {
      Statement: { Action: string[] }[];
    };
    const allowed = policy.Statement.flatMap((s) => s.Action);
    expect(allowed).toEqual(
      expect.arrayContaining(['sts:AssumeRole', 'ecr:GetRepositoryPolicy', 'dynamodb:GetItem', 'dynamodb:Query']),
    );
  });
});
