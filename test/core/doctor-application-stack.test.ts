import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  applicationAlarmsOutcome,
  applicationEnvironmentStackOutcome,
  applicationStackOutcome,
  doctorTargets,
  type Outcome,
  type StackDoctorTarget,
  type StackRead,
  stackDoctorTargets,
  toRow,
} from '../../core/doctor';
import { parseMap } from '../../core/map/load';

const DEV = '222222222222';
const PROD = '333333333333';
const STACK = 'crossdeploy-app-orders-dev';
const at = (verb: string, stack = STACK) =>
  `aws cloudformation ${verb} --stack-name ${stack} --region eu-west-1 (in account ${DEV})`;

/** The map's templates folder is read beside it: test/fixtures/templates. */
const MAP_FILE = fileURLToPath(new URL('../fixtures/crossdeploy.yaml', import.meta.url));

/** web runs on ECS; orders is an application stack, in dev (provisioned from a template) and prod (not). */
const parsed = parseMap(
  `
orchestrator: { account: "111111111111", region: us-east-1 }
services:
  web:
    source: { github: acme/web }
    repository: web
    container: app
    cluster: demo
    service: web
    branches: { main: [dev] }
  orders:
    kind: stack
    source: { github: acme/orders }
    stack: { template: infra/template.yaml }
    branches: { main: [dev], release: [prod] }
environments:
  dev:
    template: { name: apps, version: v1.0, inputs: { ClusterName: demo } }
    targets: [{ account: "${DEV}", regions: [us-east-1, eu-west-1] }]
    health: { alarms: [orders-5xx, orders-5xx] }
  prod:
    waves:
      - targets: [{ account: "${PROD}", regions: [us-east-1] }]
deployRole: crossdeploy-deploy
`,
  { file: MAP_FILE },
);
if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
const MAP = parsed.map;

const target = (overrides: Partial<StackDoctorTarget> = {}): StackDoctorTarget => ({
  service: 'orders',
  environment: 'dev',
  account: DEV,
  region: 'eu-west-1',
  alarms: ['orders-5xx'],
  stack: STACK,
  environmentStack: 'crossdeploy-env-dev',
  ...overrides,
});

const stack = (status: string, statusReason?: string): StackRead => ({
  kind: 'stack',
  status,
  ...(statusReason ? { statusReason } : {}),
});

const verdict = ({ result, fix }: Outcome) => [result, fix ?? null];

describe('stackDoctorTargets', () => {
  it("walks each environment the application stack's branches deploy to, naming its stack and the environment's", () => {
    expect(stackDoctorTargets(MAP)).toEqual([
      target({ region: 'us-east-1' }),
      target(),
      target({
        environment: 'prod',
        account: PROD,
        region: 'us-east-1',
        alarms: [],
        stack: 'crossdeploy-app-orders-prod',
        environmentStack: null,
      }),
    ]);
  });

  it('keeps to one environment with env', () => {
    expect(stackDoctorTargets(MAP, { env: 'prod' }).map((t) => t.stack)).toEqual(['crossdeploy-app-orders-prod']);
  });

  it("selects no ECS target by an application stack's name, and no stack target by an ECS service's", () => {
    expect(doctorTargets(MAP, { service: 'orders' })).toEqual([]);
    expect(stackDoctorTargets(MAP, { service: 'orders' })).toHaveLength(3);
    expect(stackDoctorTargets(MAP, { service: 'web' })).toEqual([]);
    expect(doctorTargets(MAP, { service: 'web' })).toHaveLength(2);
  });

  it('refuses a name the map has neither as a service nor as an application stack, naming both', () => {
    expect(() => stackDoctorTargets(MAP, { service: 'api' })).toThrow('unknown service "api" (services: web, orders)');
    expect(() => doctorTargets(MAP, { service: 'api' })).toThrow('unknown service "api" (services: web, orders)');
  });
});

describe('applicationStackOutcome', () => {
  const failed = (transient: boolean): StackRead => ({
    kind: 'failed',
    failure: { action: 'cloudformation:DescribeStacks', error: 'AccessDenied: no', transient },
  });

  it.each<[string, StackRead, Outcome['result'], string | null]>([
    ['absent: its first push creates it', { kind: 'none' }, 'ok', null],
    ['deleted: as absent', stack('DELETE_COMPLETE'), 'ok', null],
    ['created', stack('CREATE_COMPLETE'), 'ok', null],
    ['updated', stack('UPDATE_COMPLETE'), 'ok', null],
    ['an update rolled back: it runs the version before', stack('UPDATE_ROLLBACK_COMPLETE'), 'ok', null],
    ['a change set that created nothing yet', stack('REVIEW_IN_PROGRESS'), 'ok', null],
    [
      'being updated now',
      stack('UPDATE_IN_PROGRESS'),
      'WARN',
      'wait for it to end (crossdeploy status), then run crossdeploy doctor again',
    ],
    [
      'being deleted now',
      stack('DELETE_IN_PROGRESS'),
      'WARN',
      'wait for it to end (crossdeploy status), then run crossdeploy doctor again',
    ],
    [
      'its creation rolled back',
      stack('ROLLBACK_COMPLETE'),
      'FAIL',
      `delete it: ${at('delete-stack')}, then push again`,
    ],
    [
      'the rollback of its creation failed',
      stack('ROLLBACK_FAILED'),
      'FAIL',
      `delete it: ${at('delete-stack')}, then push again`,
    ],
    ['its deletion failed', stack('DELETE_FAILED'), 'FAIL', `delete it: ${at('delete-stack')}, then push again`],
    [
      'the rollback of an update failed',
      stack('UPDATE_ROLLBACK_FAILED'),
      'FAIL',
      `continue its rollback: ${at('continue-update-rollback')}, then push again`,
    ],
    [
      'created with rollback off',
      stack('CREATE_FAILED'),
      'FAIL',
      `roll it back: ${at('rollback-stack')}, then push again`,
    ],
    [
      'updated with rollback off',
      stack('UPDATE_FAILED'),
      'FAIL',
      `roll it back: ${at('rollback-stack')}, then push again`,
    ],
    [
      'an import whose rollback failed',
      stack('IMPORT_ROLLBACK_FAILED'),
      'FAIL',
      `find why in its events (${at('describe-stack-events')}) and bring it back to a *_COMPLETE status, then push again`,
    ],
    [
      'refused to the deploy role',
      failed(false),
      'FAIL',
      `the deploy role in account ${DEV} must allow cloudformation:DescribeStacks: deploy the current target-account stack there (crossdeploy bootstrap --print)`,
    ],
    [
      'throttled',
      failed(true),
      'FAIL',
      'AWS throttled the call or failed to answer (transient): run crossdeploy doctor again',
    ],
  ])('%s', (_, read, result, fix) => {
    expect(verdict(applicationStackOutcome(target(), read))).toEqual([result, fix]);
  });

  it('says where the stack is, and that a push creates a missing one', () => {
    expect(applicationStackOutcome(target(), { kind: 'none' }).detail).toBe(
      `stack ${STACK} in ${DEV}/eu-west-1 does not exist yet: its first push creates it`,
    );
    expect(applicationStackOutcome(target(), stack('UPDATE_ROLLBACK_COMPLETE')).detail).toBe(
      `stack ${STACK} in ${DEV}/eu-west-1 is UPDATE_ROLLBACK_COMPLETE: its last update rolled back, it runs the one before`,
    );
  });

  it("says why CloudFormation refuses a stack, with the stack's own reason", () => {
    expect(
      applicationStackOutcome(target(), stack('ROLLBACK_COMPLETE', 'The following resource(s) failed to create: [Web]'))
        .detail,
    ).toBe(
      `stack ${STACK} in ${DEV}/eu-west-1 is ROLLBACK_COMPLETE (The following resource(s) failed to create: [Web]): ` +
        'CloudFormation takes no change set on it, so every push fails here',
    );
  });
});

describe('applicationEnvironmentStackOutcome', () => {
  const DEPLOY = 'crossdeploy env deploy dev';

  it.each<[string, StackRead, Outcome['result'], string | null]>([
    ['complete', stack('CREATE_COMPLETE'), 'ok', null],
    // Every push reads its outputs, not only the first: never graded down to a WARN.
    ['missing', { kind: 'none' }, 'FAIL', `provision the environment: ${DEPLOY}`],
    [
      'its creation rolled back',
      stack('ROLLBACK_COMPLETE'),
      'FAIL',
      `delete it: ${at('delete-stack', 'crossdeploy-env-dev')}, then ${DEPLOY}`,
    ],
    [
      'being updated now',
      stack('UPDATE_IN_PROGRESS'),
      'WARN',
      `wait for it to end (crossdeploy status), then run crossdeploy doctor again; if no ${DEPLOY} runs, start one`,
    ],
  ])('%s', (_, read, result, fix) => {
    expect(verdict(applicationEnvironmentStackOutcome(target(), read))).toEqual([result, fix]);
  });

  it('says what a push cannot do without the stack', () => {
    expect(applicationEnvironmentStackOutcome(target(), { kind: 'none' }).detail).toBe(
      `stack crossdeploy-env-dev in ${DEV}/eu-west-1 does not exist: a push cannot deploy the application stack without its outputs`,
    );
  });

  it("is ok where the environment names no template: the stack takes the map's parameters only", () => {
    expect(applicationEnvironmentStackOutcome(target({ environmentStack: null }), undefined)).toEqual({
      result: 'ok',
      detail: 'environments.dev names no template: the stack takes only services.orders.stack.parameters',
    });
  });
});

describe('applicationAlarmsOutcome', () => {
  const found = [{ name: 'orders-5xx', state: 'OK' }];
  const failed: StackRead = {
    kind: 'failed',
    failure: { action: 'cloudformation:DescribeStacks', error: 'AccessDenied: no', transient: false },
  };

  it.each<[string, StackRead, typeof found, Outcome['result']]>([
    ['present before the first push', { kind: 'none' }, found, 'ok'],
    ['missing before the first push: the template may create it', { kind: 'none' }, [], 'skipped'],
    ['missing beside a stack whose creation rolled back', stack('ROLLBACK_COMPLETE'), [], 'skipped'],
    ['missing beside a change set that created nothing yet', stack('REVIEW_IN_PROGRESS'), [], 'skipped'],
    ['missing once the stack exists', stack('UPDATE_COMPLETE'), [], 'FAIL'],
    ['missing beside a stack that could not be read', failed, [], 'FAIL'],
  ])('%s', (_, read, alarms, result) => {
    expect(applicationAlarmsOutcome(target(), read, alarms).result).toBe(result);
  });

  it('says why a missing alarm waits for the stack', () => {
    expect(applicationAlarmsOutcome(target(), { kind: 'none' }, []).detail).toBe(
      `orders-5xx is not in ${DEV}/eu-west-1 yet: the template of orders may create it with the stack; ` +
        'checked once the stack exists',
    );
  });
});

describe('the row of an application stack', () => {
  it('names its stack, and no cluster or ECS service', () => {
    expect(toRow(target(), 'app-stack', { result: 'ok', detail: 'fine' })).toEqual({
      service: 'orders',
      environment: 'dev',
      account: DEV,
      region: 'eu-west-1',
      cluster: null,
      ecsService: null,
      stack: STACK,
      check: 'app-stack',
      result: 'ok',
      detail: 'fine',
      fix: null,
    });
  });
});
