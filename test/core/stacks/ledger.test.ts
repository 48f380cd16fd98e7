import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { StackDeployLedgerEntry } from '../../../core/contracts';
import { canonicalJson } from '../../../core/json';
import {
  type AnyLedgerRecord,
  isServiceRecord,
  isStackRecord,
  type LedgerRecord,
  revisionToPutBack,
  rollbackClosing,
  type StackLedgerRecord,
} from '../../../core/ledger';
import { inputsHash, previousVersionOf, stackRecordOf } from '../../../core/stacks/ledger';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const NOW = new Date('2026-12-01T10:05:00.000Z');
const WAS_V1_0 = JSON.stringify({
  template: { kind: 'environments', name: 'network', version: 'v1.0' },
  parameters: [{ ParameterKey: 'ClusterName', ParameterValue: 'dev-cluster' }],
});
const CREATED = JSON.stringify({ template: null, parameters: [] });
const STACK_ID = 'arn:aws:cloudformation:us-east-1:222222222222:stack/crossdeploy-env-dev/1';

const entry = (overrides: Partial<StackDeployLedgerEntry> = {}): StackDeployLedgerEntry => ({
  phase: 'started',
  deployment: {
    deploymentId: 'env-dev-v1-1-abcd1234',
    serviceName: '_environment',
    environment: 'dev',
    commit: 'templates@main',
    orchestrator: { account: '111111111111', region: 'us-east-1' },
    deployRole: { name: 'crossdeploy-deploy' },
    template: { kind: 'environments', name: 'network', version: 'v1.1' },
    inputs: { ClusterName: 'dev-cluster', Cidr: { vpc: '10.0.0.0/16', subnets: 2 } },
    environmentStack: null,
    deploymentParameters: {},
    health: { alarms: [] },
    rollout: { intervalSeconds: 15, checks: 240 },
    bake: { intervalSeconds: 0, checks: 0 },
    context: {
      kind: 'deploy',
      pipelineId: 'env-dev-v1-1-abcd1234',
      approval: { approver: 'jane@example.com', comment: 'ship it' },
      requestedBy: null,
    },
  },
  target: { account: '222222222222', region: 'us-east-1', stackName: 'crossdeploy-env-dev' },
  executionName: 'env-dev-v1-1-abcd1234-222222222222-us-east-1',
  startedAt: '2026-12-01T10:00:00.000Z',
  changeSet: { stackId: STACK_ID, revision: { previous: WAS_V1_0, current: 'v1.1' }, changeSetId: 'cs-1' },
  ...overrides,
});

describe('inputsHash', () => {
  it.each<[string, Record<string, unknown>, Record<string, unknown>, boolean]>([
    ['the same inputs', { a: 1, b: 'x' }, { a: 1, b: 'x' }, true],
    ['keys in another order', { a: 1, b: { c: [1, 2], d: null } }, { b: { d: null, c: [1, 2] }, a: 1 }, true],
    ['an input left out as undefined', { a: 1, b: undefined }, { a: 1 }, true],
    ['another value', { a: 1 }, { a: 2 }, false],
    ['a number and its text', { a: 1 }, { a: '1' }, false],
    ['a list in another order', { a: [1, 2] }, { a: [2, 1] }, false],
  ])('%s: same hash %s', (_, one, other, same) => {
    expect(inputsHash(one) === inputsHash(other)).toBe(same);
  });

  it('is the sha256 of the canonical JSON, keys sorted', () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: 3 } })).toBe('{"a":{"c":3,"d":2},"b":1}');
    expect(inputsHash({ b: 1, a: 2 })).toBe(sha256('{"a":2,"b":1}'));
  });
});

describe('previousVersionOf', () => {
  it.each<[string, string, string | null]>([
    ['a stack on v1.0', WAS_V1_0, 'v1.0'],
    ['a stack the deployment created', CREATED, null],
    ['a revision it cannot read', 'not json', null],
    ['a revision of another shape', '{"template":"v1.0"}', null],
  ])('%s: %s', (_, revision, version) => {
    expect(previousVersionOf(revision)).toBe(version);
  });
});

describe('stackRecordOf', () => {
  it('writes the whole record of a started deployment, keyed like a service deployment', () => {
    expect(stackRecordOf(entry(), NOW)).toEqual({
      target: '_environment#dev#222222222222#us-east-1',
      deploymentId: 'env-dev-v1-1-abcd1234',
      targetKind: 'cloudformation-stack',
      pipelineId: 'env-dev-v1-1-abcd1234',
      executionName: 'env-dev-v1-1-abcd1234-222222222222-us-east-1',
      kind: 'deploy',
      serviceName: '_environment',
      environment: 'dev',
      account: '222222222222',
      region: 'us-east-1',
      stackName: 'crossdeploy-env-dev',
      stackId: STACK_ID,
      template: { kind: 'environments', name: 'network' },
      version: 'v1.1',
      previousVersion: 'v1.0',
      previousRevision: WAS_V1_0,
      inputsHash: sha256('{"Cidr":{"subnets":2,"vpc":"10.0.0.0/16"},"ClusterName":"dev-cluster"}'),
      commit: 'templates@main',
      startedAt: '2026-12-01T10:00:00.000Z',
      endedAt: null,
      result: 'in-progress',
      approver: 'jane@example.com',
      comment: 'ship it',
      requestedBy: null,
      rollbackReason: null,
    } satisfies StackLedgerRecord);
  });

  it.each<[string, Partial<StackDeployLedgerEntry>, Partial<StackLedgerRecord>]>([
    ['succeeded', { phase: 'succeeded' }, { result: 'succeeded', endedAt: NOW.toISOString(), stackId: STACK_ID }],
    [
      'created a stack',
      { phase: 'succeeded', changeSet: { stackId: STACK_ID, revision: { previous: CREATED, current: 'v1.1' } } },
      { result: 'succeeded', previousVersion: null, previousRevision: CREATED },
    ],
    [
      'failed before its change set',
      { phase: 'failed', changeSet: undefined, failure: { Error: 'RoleNotAssumable', Cause: 'cannot assume' } },
      {
        result: 'failed',
        stackId: null,
        previousVersion: null,
        previousRevision: null,
        rollbackReason: 'RoleNotAssumable: cannot assume',
      },
    ],
    [
      'rolled back by CloudFormation',
      {
        phase: 'failed',
        failure: {
          Error: 'StackRolledBack',
          Cause: JSON.stringify({
            errorType: 'StackRolledBack',
            errorMessage: 'subnet CREATE_FAILED',
            trace: ['at x'],
          }),
        },
      },
      {
        result: 'failed',
        stackId: STACK_ID,
        previousVersion: 'v1.0',
        rollbackReason: 'StackRolledBack: subnet CREATE_FAILED',
      },
    ],
  ])('%s', (_, overrides, expected) => {
    expect(stackRecordOf(entry(overrides), NOW)).toMatchObject(expected);
  });

  it('names who asked for a rollback pipeline', () => {
    const deployment = entry().deployment;
    const rollback = entry({
      deployment: {
        ...deployment,
        context: { ...deployment.context, kind: 'rollback', approval: null, requestedBy: 'bob' },
      },
    });
    expect(stackRecordOf(rollback, NOW)).toMatchObject({ kind: 'rollback', approver: null, requestedBy: 'bob' });
  });
});

describe('rollbackClosing', () => {
  it.each<[string, Parameters<typeof rollbackClosing>[0], string]>([
    [
      'rolled back',
      { phase: 'rolled-back', reason: { check: 'wave', evidence: 'wave 1 of dev failed' } },
      'wave: wave 1 of dev failed',
    ],
    [
      'rollback failed',
      {
        phase: 'rollback-failed',
        reason: { check: 'wave', evidence: 'wave 1 of dev failed' },
        failure: { Error: 'StackNotDeployable', Cause: 'UPDATE_ROLLBACK_FAILED' },
      },
      'wave: wave 1 of dev failed; the rollback failed: StackNotDeployable: UPDATE_ROLLBACK_FAILED',
    ],
  ])('%s', (_, rollback, reason) => {
    expect(rollbackClosing(rollback, NOW)).toEqual({
      result: rollback.phase,
      endedAt: NOW.toISOString(),
      rollbackReason: reason,
    });
  });
});

const service = (overrides: Partial<LedgerRecord>): LedgerRecord => ({
  target: 'web#dev#222222222222#us-east-1',
  deploymentId: 'web-dev-1',
  pipelineId: 'p',
  executionName: 'web-dev-1-222222222222-us-east-1',
  kind: 'deploy',
  serviceName: 'web',
  environment: 'dev',
  account: '222222222222',
  region: 'us-east-1',
  cluster: 'demo',
  service: 'web',
  commit: 'a'.repeat(40),
  imageDigest: `sha256:${'1'.repeat(64)}`,
  imageUri: 'r@sha256:1',
  taskDefinitionArn: 'td:2',
  previousTaskDefinitionArn: 'td:1',
  startedAt: '2026-12-01T10:00:00.000Z',
  endedAt: null,
  result: 'in-progress',
  approver: null,
  comment: null,
  requestedBy: null,
  rollbackReason: null,
  ...overrides,
});
const stack = (overrides: Partial<StackLedgerRecord>): StackLedgerRecord => ({
  ...stackRecordOf(entry(), NOW),
  ...overrides,
});

describe('records told apart by kind', () => {
  it.each<[string, AnyLedgerRecord, boolean]>([
    ['a service record written before stacks were recorded', service({}), false],
    ['a service record', service({ targetKind: 'ecs-service' }), false],
    ['a stack record', stack({}), true],
  ])('%s: stack %s', (_, record, isStack) => {
    expect(isStackRecord(record)).toBe(isStack);
    expect(isServiceRecord(record)).toBe(!isStack);
  });
});

describe('revisionToPutBack: what a wave puts back for a target that ended unfinished', () => {
  it.each<[string, AnyLedgerRecord | undefined, ReturnType<typeof revisionToPutBack>]>([
    ['no record', undefined, undefined],
    ['a service in progress', service({}), { previous: 'td:1', current: 'td:2' }],
    ['a service in progress with no revision before', service({ previousTaskDefinitionArn: null }), undefined],
    ['a service that succeeded', service({ result: 'succeeded' }), undefined],
    ['a stack in progress', stack({}), { previous: WAS_V1_0, current: 'v1.1' }],
    ['a stack it created, in progress', stack({ previousRevision: CREATED }), { previous: CREATED, current: 'v1.1' }],
    ['a stack that failed', stack({ result: 'failed' }), undefined],
    ['a stack with no change set yet', stack({ previousRevision: null }), undefined],
  ])('%s', (_, record, revision) => {
    expect(revisionToPutBack(record)).toEqual(revision);
  });
});
