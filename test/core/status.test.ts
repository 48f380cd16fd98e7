import { describe, expect, it } from 'vitest';
import type { LedgerRecord } from '../../core/ledger';
import {
  exitCodeOf,
  filterProblem,
  type LedgerRead,
  type LiveRead,
  revisionOf,
  type StatusRow,
  type StatusState,
  type StatusTarget,
  statusOf,
  statusTargets,
  summaryOf,
} from '../../core/status';
import { mapOf, mapYaml, WEB, WORKER } from '../support/map';

const DEV = '222222222222';
const PROD = '333333333333';
const OTHER = '444444444444';
const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);
const td = (revision: number) => `arn:aws:ecs:eu-west-1:${DEV}:task-definition/web:${revision}`;

const MAP = mapOf(
  mapYaml(
    [WEB, WORKER],
    `
  prod:
    waves:
      - targets: [{ account: "${PROD}", regions: [us-east-1] }]
      - targets: [{ account: "${OTHER}", regions: [eu-west-1], cluster: legacy, service: web-v2 }]
  dev:
    targets: [{ account: "${DEV}", regions: [us-east-1, eu-west-1] }]
`,
  ),
);

const TARGET: StatusTarget = {
  serviceName: 'web',
  environment: 'dev',
  account: DEV,
  region: 'eu-west-1',
  cluster: 'demo',
  service: 'web',
  container: 'app',
};

let sequence = 0;
function record(overrides: Partial<LedgerRecord> = {}): LedgerRecord {
  sequence += 1;
  const deploymentId = overrides.deploymentId ?? `web-dev-${sequence}`;
  return {
    target: `web#dev#${DEV}#eu-west-1`,
    deploymentId,
    pipelineId: `pipeline-${sequence}`,
    executionName: `${deploymentId}-${DEV}-eu-west-1`,
    kind: 'deploy',
    serviceName: 'web',
    environment: 'dev',
    account: DEV,
    region: 'eu-west-1',
    cluster: 'demo',
    service: 'web',
    commit: A,
    imageDigest: `sha256:${'1'.repeat(64)}`,
    imageUri: `111111111111.dkr.ecr.us-east-1.amazonaws.com/web@sha256:${'1'.repeat(64)}`,
    taskDefinitionArn: td(2),
    previousTaskDefinitionArn: td(1),
    startedAt: '2026-11-03T10:00:00.000Z',
    endedAt: '2026-11-03T10:05:00.000Z',
    result: 'succeeded',
    approver: null,
    comment: null,
    requestedBy: null,
    rollbackReason: null,
    ...overrides,
  };
}

const live = (revision: number): LiveRead => ({ taskDefinition: td(revision) });

describe('statusOf decides whether a target runs what crossdeploy deployed', () => {
  const deployedA = record({ commit: A, taskDefinitionArn: td(2), approver: 'alice' });
  const rolledBackB = record({
    commit: B,
    taskDefinitionArn: td(3),
    previousTaskDefinitionArn: td(2),
    result: 'rolled-back',
    rollbackReason: 'alarms: web-5xx went to ALARM',
  });
  const inProgressB = record({
    commit: B,
    taskDefinitionArn: td(3),
    previousTaskDefinitionArn: td(2),
    endedAt: null,
    result: 'in-progress',
  });
  const notYetRegisteredB = { ...inProgressB, taskDefinitionArn: null };

  it.each<{ name: string; ledger: LedgerRead; live: LiveRead; state: StatusState; detail: string | RegExp }>([
    {
      name: 'the live revision is the one deployed',
      ledger: [deployedA],
      live: live(2),
      state: 'in-step',
      detail: 'in step',
    },
    {
      name: 'updated behind crossdeploy’s back',
      ledger: [deployedA],
      live: live(5),
      state: 'drift',
      detail: 'drift: live web:5, but crossdeploy deployed web:2',
    },
    {
      name: 'an older revision put back by hand',
      ledger: [deployedA],
      live: live(1),
      state: 'drift',
      detail: 'drift: live web:1, but crossdeploy deployed web:2',
    },
    {
      name: 'the service has no task definition at all',
      ledger: [deployedA],
      live: { taskDefinition: null },
      state: 'drift',
      detail: 'drift: live no task definition, but crossdeploy deployed web:2',
    },
    {
      name: 'nothing in the ledger',
      ledger: [],
      live: live(1),
      state: 'never-deployed',
      detail: 'never deployed by crossdeploy; live web:1',
    },
    {
      name: 'the only deployment was rolled back',
      ledger: [{ ...rolledBackB, previousTaskDefinitionArn: td(1) }],
      live: live(1),
      state: 'never-deployed',
      detail: 'never deployed by crossdeploy; live web:1',
    },
    {
      name: 'the last deployment rolled back to the deployed one',
      ledger: [rolledBackB, deployedA],
      live: live(2),
      state: 'in-step',
      detail: 'in step',
    },
    {
      name: 'the last deployment rolled back but the rollback did not hold',
      ledger: [rolledBackB, deployedA],
      live: live(3),
      state: 'drift',
      detail: 'drift: live web:3, but crossdeploy deployed web:2',
    },
    {
      name: 'a deployment under way, service not yet updated',
      ledger: [inProgressB, deployedA],
      live: live(2),
      state: 'deploying',
      detail: `deploying bbbbbbb since 2026-11-03T10:00:00.000Z; live web:2`,
    },
    {
      name: 'a deployment under way, service updated',
      ledger: [inProgressB, deployedA],
      live: live(3),
      state: 'deploying',
      detail: `deploying bbbbbbb since 2026-11-03T10:00:00.000Z; live web:3`,
    },
    {
      name: 'a deployment under way before it registered its revision',
      ledger: [notYetRegisteredB, deployedA],
      live: live(2),
      state: 'deploying',
      detail: /^deploying bbbbbbb /,
    },
    {
      name: 'a first deployment under way replaces what the owners ran',
      ledger: [{ ...inProgressB, previousTaskDefinitionArn: td(1) }],
      live: live(1),
      state: 'deploying',
      detail: /^deploying bbbbbbb /,
    },
    {
      name: 'a rollback under way',
      ledger: [{ ...inProgressB, kind: 'rollback', commit: C, taskDefinitionArn: td(4) }, deployedA],
      live: live(4),
      state: 'deploying',
      detail: /^rolling back to ccccccc since /,
    },
    {
      name: 'a deployment under way while something else runs',
      ledger: [inProgressB, deployedA],
      live: live(7),
      state: 'drift',
      detail: 'drift: live web:7, but crossdeploy deployed web:2',
    },
    {
      name: 'the service is gone',
      ledger: [deployedA],
      live: {
        failure: {
          name: 'ServiceNotFound',
          message: 'service not found (cluster/service demo/web): DescribeServices answered MISSING',
        },
      },
      state: 'service-not-found',
      detail: 'service not found (cluster/service demo/web): DescribeServices answered MISSING',
    },
    {
      name: 'the deploy role cannot be assumed',
      ledger: [deployedA],
      live: {
        failure: { name: 'RoleNotAssumable', message: `cannot assume arn:aws:iam::${DEV}:role/crossdeploy-deploy` },
      },
      state: 'role-not-assumable',
      detail: `role not assumable: cannot assume arn:aws:iam::${DEV}:role/crossdeploy-deploy`,
    },
    {
      name: 'AWS throttled the read',
      ledger: [deployedA],
      live: { failure: { name: 'TransientAwsError', message: 'ecs:DescribeServices: Rate exceeded' } },
      state: 'error',
      detail: 'TransientAwsError: ecs:DescribeServices: Rate exceeded',
    },
    {
      name: 'the ledger cannot be read',
      ledger: { failure: { name: 'ResourceNotFoundException', message: 'Requested resource not found' } },
      live: live(2),
      state: 'error',
      detail: 'ledger unreadable: ResourceNotFoundException: Requested resource not found',
    },
  ])('$name: $state', ({ ledger, live, state, detail }) => {
    const row = statusOf(TARGET, ledger, live);
    expect(row.state).toBe(state);
    expect(row.detail).toEqual(typeof detail === 'string' ? detail : expect.stringMatching(detail));
  });

  it.each<[string, LedgerRead, StatusState, string]>([
    [
      'before its first deploy, which creates it',
      [],
      'never-deployed',
      'not created yet: its first deploy creates it from services/web-service v1.0',
    ],
    [
      'once crossdeploy deployed it, as any service gone',
      [deployedA],
      'service-not-found',
      'service not found (cluster/service demo/web): DescribeServices answered MISSING',
    ],
  ])('takes a missing service made from a template %s', (_, ledger, state, detail) => {
    const missing: LiveRead = {
      failure: {
        name: 'ServiceNotFound',
        message: 'service not found (cluster/service demo/web): DescribeServices answered MISSING',
      },
    };
    const row = statusOf({ ...TARGET, template: 'services/web-service v1.0' }, ledger, missing);
    expect([row.state, row.detail]).toEqual([state, detail]);
  });

  it('names the running deployment and, apart, the newer one that did not stay', () => {
    const row = statusOf(TARGET, [rolledBackB, deployedA], live(2));
    expect(row).toEqual({
      service: 'web',
      environment: 'dev',
      account: DEV,
      region: 'eu-west-1',
      cluster: 'demo',
      ecsService: 'web',
      stack: null,
      state: 'in-step',
      commit: A,
      taskDefinition: 'web:2',
      liveTaskDefinition: 'web:2',
      deploymentId: deployedA.deploymentId,
      kind: 'deploy',
      since: '2026-11-03T10:05:00.000Z',
      by: 'alice',
      lastDeployment: {
        deploymentId: rolledBackB.deploymentId,
        kind: 'deploy',
        commit: B,
        result: 'rolled-back',
        startedAt: rolledBackB.startedAt,
        endedAt: rolledBackB.endedAt,
        reason: 'alarms: web-5xx went to ALARM',
      },
      environmentStack: null,
      serviceStack: null,
      detail: 'in step',
    } satisfies StatusRow);
    // The order `--json` prints, whatever the state.
    expect(Object.keys(statusOf(TARGET, [], { failure: { name: 'Error', message: 'x' } }))).toEqual(Object.keys(row));
  });

  it.each<[string, boolean | undefined, number, StatusState, string]>([
    ['still runs', false, 3, 'deploying', 'deploying bbbbbbb since 2026-11-03T10:00:00.000Z; live web:3'],
    ['cannot be told', undefined, 3, 'deploying', 'deploying bbbbbbb since 2026-11-03T10:00:00.000Z; live web:3'],
    [
      'ended, leaving the new revision live',
      true,
      3,
      'drift',
      `drift: live web:3, but crossdeploy deployed web:2; deployment ${inProgressB.deploymentId} ended without recording its result`,
    ],
    [
      'ended, the old revision live',
      true,
      2,
      'in-step',
      `in step; deployment ${inProgressB.deploymentId} ended without recording its result`,
    ],
  ])('judges an open record whose execution %s as %3$s', (_, ended, revision, state, detail) => {
    const row = statusOf(TARGET, [inProgressB, deployedA], live(revision), ended);
    expect([row.state, row.detail]).toEqual([state, detail]);
    expect(row.lastDeployment?.result).toBe('in-progress');
  });

  it('has no last deployment when the newest one is the running one', () => {
    expect(statusOf(TARGET, [deployedA], live(2)).lastDeployment).toBeNull();
  });

  it("shows the environment's stack beside the service, and says when it could not be read", () => {
    const stack = {
      template: 'environments/network',
      version: 'v1.0',
      stackName: 'crossdeploy-env-dev',
      deploymentId: 'env-dev-v1-0-abcd1234',
      since: '2026-11-03T09:00:00.000Z',
      upgrades: { compatible: 'v1.1', breaking: null },
    };
    const shown = statusOf(TARGET, [deployedA], live(2), undefined, stack);
    const unread = statusOf(TARGET, [deployedA], live(2), undefined, {
      failure: { name: 'AccessDeniedException', message: 'not allowed' },
    });

    expect([shown.state, shown.environmentStack, shown.detail]).toEqual(['in-step', stack, 'in step']);
    expect([unread.state, unread.environmentStack, unread.detail]).toEqual([
      'in-step',
      null,
      'in step; environment stack unreadable: AccessDeniedException: not allowed',
    ]);
    expect(statusOf(TARGET, [deployedA], live(2)).environmentStack).toBeNull();
  });

  it('keeps what the ledger says when the live service cannot be read', () => {
    const row = statusOf(TARGET, [deployedA], { failure: { name: 'RoleNotAssumable', message: 'denied' } });
    expect([row.commit, row.taskDefinition, row.liveTaskDefinition, row.by]).toEqual([A, 'web:2', null, 'alice']);
  });

  it.each<[string, Partial<LedgerRecord>, string]>([
    ['an approved deploy', { approver: 'alice' }, 'alice'],
    ['a deploy nobody had to approve', { approver: null }, 'push'],
    ['a rollback someone asked for', { kind: 'rollback', requestedBy: 'bob', approver: 'alice' }, 'bob'],
    ['a rollback only an approver let through', { kind: 'rollback', requestedBy: null, approver: 'alice' }, 'alice'],
  ])('by: %s → %s', (_, overrides, by) => {
    expect(statusOf(TARGET, [record(overrides)], live(2)).by).toBe(by);
  });
});

describe('statusTargets', () => {
  const walk = (filter: { service?: string; env?: string }) =>
    statusTargets(MAP, filter).map((t) => [t.serviceName, t.environment, t.account, t.region, t.cluster, t.service]);

  it('walks every service, its environments in map order and their waves, with per-target overrides', () => {
    expect(walk({})).toEqual([
      ['web', 'prod', PROD, 'us-east-1', 'demo', 'web'],
      ['web', 'prod', OTHER, 'eu-west-1', 'legacy', 'web-v2'],
      ['web', 'dev', DEV, 'us-east-1', 'demo', 'web'],
      ['web', 'dev', DEV, 'eu-west-1', 'demo', 'web'],
      // worker deploys to dev only.
      ['worker', 'dev', DEV, 'us-east-1', 'jobs', 'worker'],
      ['worker', 'dev', DEV, 'eu-west-1', 'jobs', 'worker'],
    ]);
  });

  it('filters by service, by environment, or both', () => {
    expect(walk({ service: 'worker' }).map((t) => t[0])).toEqual(['worker', 'worker']);
    expect(walk({ env: 'prod' }).map((t) => [t[0], t[2]])).toEqual([
      ['web', PROD],
      ['web', OTHER],
    ]);
    expect(walk({ service: 'web', env: 'dev' }).map((t) => t[3])).toEqual(['us-east-1', 'eu-west-1']);
  });

  it('throws what filterProblem says for a filter the map cannot satisfy', () => {
    expect(() => statusTargets(MAP, { service: 'api' })).toThrow(
      'service "api" is not in the map (services: web, worker)',
    );
  });
});

describe('filterProblem', () => {
  it.each<[{ service?: string; env?: string }, string | undefined]>([
    [{}, undefined],
    [{ service: 'web', env: 'prod' }, undefined],
    [{ service: 'api' }, 'service "api" is not in the map (services: web, worker)'],
    [{ env: 'staging' }, 'environment "staging" is not in the map (environments: prod, dev)'],
    [
      { service: 'worker', env: 'prod' },
      'service "worker" does not deploy to environment "prod" (its branches deploy to: dev)',
    ],
  ])('%j → %s', (filter, problem) => {
    expect(filterProblem(MAP, filter)).toBe(problem);
  });
});

describe('the verdict over all rows', () => {
  const rowIn = (state: StatusState) => ({ ...statusOf(TARGET, [], live(1)), state });

  it.each<[StatusState[], 0 | 1, string]>([
    [[], 0, '0 targets'],
    [['in-step'], 0, '1 target: 1 in step'],
    [['in-step', 'deploying', 'in-step'], 0, '3 targets: 2 in step, 1 deploying'],
    [['in-step', 'drift'], 1, '2 targets: 1 in step, 1 drift'],
    [['never-deployed'], 1, '1 target: 1 never deployed'],
    [
      ['error', 'role-not-assumable', 'service-not-found', 'in-step'],
      1,
      '4 targets: 1 in step, 1 service not found, 1 role not assumable, 1 error',
    ],
  ])('%j exits %i: %s', (states, code, summary) => {
    const rows = states.map(rowIn);
    expect(exitCodeOf(rows)).toBe(code);
    expect(summaryOf(rows)).toBe(summary);
  });
});

describe('revisionOf', () => {
  it.each([
    [td(12), 'web:12'],
    ['web:12', 'web:12'],
    ['arn:aws:ecs:us-east-1:123456789012:task-definition/my-app_v2:3', 'my-app_v2:3'],
  ])('%s → %s', (taskDefinition, revision) => {
    expect(revisionOf(taskDefinition)).toBe(revision);
  });
});
