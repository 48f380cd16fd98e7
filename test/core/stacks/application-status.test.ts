import { describe, expect, it } from 'vitest';
import type { LedgerResult, StackLedgerRecord } from '../../../core/ledger';
import {
  type ApplicationStatusTarget,
  applicationStatusOf,
  applicationStatusTargets,
  type StackLiveRead,
} from '../../../core/stacks/application-status';
import type { StatusState } from '../../../core/status';
import { mapOf } from '../../support/map';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);

const TARGET: ApplicationStatusTarget = {
  serviceName: 'orders',
  environment: 'dev',
  account: '222222222222',
  region: 'us-east-1',
  stackName: 'crossdeploy-app-orders-dev',
};

function record(commit: string, result: LedgerResult, previous: string | null = null): StackLedgerRecord {
  return {
    target: 'orders#dev#222222222222#us-east-1',
    deploymentId: `orders-main-${commit.slice(0, 7)}-dev`,
    targetKind: 'cloudformation-stack',
    pipelineId: `orders-main-${commit.slice(0, 7)}`,
    executionName: `orders-main-${commit.slice(0, 7)}-dev-222222222222-us-east-1`,
    kind: 'deploy',
    serviceName: 'orders',
    environment: 'dev',
    account: '222222222222',
    region: 'us-east-1',
    stackName: TARGET.stackName,
    stackId: `arn:aws:cloudformation:us-east-1:222222222222:stack/${TARGET.stackName}/1`,
    template: { kind: 'applications', name: 'orders' },
    version: commit,
    previousVersion: previous,
    previousRevision: null,
    inputsHash: '0'.repeat(64),
    commit,
    startedAt: '2026-12-07T10:00:00.000Z',
    endedAt: result === 'in-progress' ? null : '2026-12-07T10:05:00.000Z',
    result,
    approver: null,
    comment: null,
    requestedBy: null,
    rollbackReason: result === 'rolled-back' ? 'alarm orders-errors is ALARM' : null,
  };
}

const live = (version: string | null, status = 'UPDATE_COMPLETE'): StackLiveRead => ({ status, version });

describe('applicationStatusOf: whether the stack runs the commit crossdeploy last deployed there', () => {
  it.each<[string, StackLedgerRecord[], StackLiveRead, boolean | undefined, StatusState, string]>([
    ['its tags name the deployed commit', [record(A, 'succeeded')], live(A), undefined, 'in-step', 'in step'],
    [
      'a failed deployment was rolled back, so the earlier commit still runs',
      [record(B, 'rolled-back', A), record(A, 'succeeded')],
      live(A, 'UPDATE_ROLLBACK_COMPLETE'),
      undefined,
      'in-step',
      'in step',
    ],
    [
      'a deployment is under way and the stack runs either side of it',
      [record(B, 'in-progress', A), record(A, 'succeeded')],
      live(A, 'UPDATE_IN_PROGRESS'),
      false,
      'deploying',
      `deploying bbbbbbb since 2026-12-07T10:00:00.000Z; live aaaaaaa (UPDATE_IN_PROGRESS)`,
    ],
    [
      'the first deployment is under way and the stack is not there yet',
      [record(A, 'in-progress')],
      null,
      false,
      'deploying',
      'deploying aaaaaaa since 2026-12-07T10:00:00.000Z; live no stack',
    ],
    [
      'someone updated the stack to another commit',
      [record(A, 'succeeded')],
      live(C),
      undefined,
      'drift',
      'drift: live ccccccc (UPDATE_COMPLETE), but crossdeploy deployed aaaaaaa',
    ],
    [
      'someone deleted the stack',
      [record(A, 'succeeded')],
      null,
      undefined,
      'drift',
      'drift: live no stack, but crossdeploy deployed aaaaaaa',
    ],
    [
      'no push has reached the target yet',
      [],
      null,
      undefined,
      'never-deployed',
      'not created yet: its first push creates crossdeploy-app-orders-dev',
    ],
    [
      'a stack of that name exists that crossdeploy never deployed',
      [],
      live(null, 'CREATE_COMPLETE'),
      undefined,
      'never-deployed',
      'never deployed by crossdeploy; live untagged (CREATE_COMPLETE)',
    ],
    [
      'the newest deployment ended without recording its result',
      [record(B, 'in-progress', A), record(A, 'succeeded')],
      live(A),
      true,
      'in-step',
      `in step; deployment orders-main-bbbbbbb-dev ended without recording its result`,
    ],
  ])('%s', (_, records, stack, newestEnded, state, detail) => {
    const row = applicationStatusOf(TARGET, records, stack, newestEnded);

    expect(row.state).toBe(state);
    expect(row.detail).toBe(detail);
    expect(row.cluster).toBeNull();
    expect(row.stack?.name).toBe('crossdeploy-app-orders-dev');
  });

  it('says why a target could not be read', () => {
    const denied = applicationStatusOf(TARGET, [], { failure: { name: 'RoleNotAssumable', message: 'denied' } });
    const unreadable = applicationStatusOf(TARGET, { failure: { name: 'AccessDenied', message: 'no' } }, live(A));

    expect([denied.state, denied.detail]).toEqual(['role-not-assumable', 'role not assumable: denied']);
    expect([unreadable.state, unreadable.detail]).toEqual(['error', 'ledger unreadable: AccessDenied: no']);
  });

  it('says what runs there, by whom and what happened last, in the keys every status row has', () => {
    const row = applicationStatusOf(TARGET, [record(B, 'rolled-back', A), record(A, 'succeeded')], live(A));

    expect(row).toMatchObject({
      service: 'orders',
      stack: { name: 'crossdeploy-app-orders-dev', status: 'UPDATE_COMPLETE', version: A },
      commit: A,
      by: 'push',
      lastDeployment: { commit: B, result: 'rolled-back', reason: 'alarm orders-errors is ALARM' },
    });
  });
});

describe('applicationStatusTargets', () => {
  const map = mapOf(`
orchestrator: { account: "111111111111", region: us-east-1 }
services:
  orders:
    kind: stack
    source: { codecommit: orders }
    stack: { template: template.yaml }
    branches: { main: [dev], release: [prod] }
environments:
  dev:
    targets: [{ account: "222222222222", regions: [us-east-1, eu-west-1] }]
  prod:
    targets: [{ account: "333333333333", regions: [us-east-1] }]
deployRole: crossdeploy-deploy
`);

  it('lists the stack of every target of every environment the filter selects, in map order', () => {
    expect(
      applicationStatusTargets(map, {}).map((t) => `${t.environment} ${t.account} ${t.region} ${t.stackName}`),
    ).toEqual([
      'dev 222222222222 us-east-1 crossdeploy-app-orders-dev',
      'dev 222222222222 eu-west-1 crossdeploy-app-orders-dev',
      'prod 333333333333 us-east-1 crossdeploy-app-orders-prod',
    ]);
    expect(applicationStatusTargets(map, { env: 'prod' })).toHaveLength(1);
    expect(applicationStatusTargets(map, { service: 'web' })).toEqual([]);
  });
});
