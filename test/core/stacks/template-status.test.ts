import { describe, expect, it } from 'vitest';
import type { LedgerResult, StackLedgerRecord } from '../../../core/ledger';
import {
  type TemplateStackStatus,
  templateStackOf,
  templateStackText,
  upgradesOf,
} from '../../../core/stacks/template-status';

describe('upgradesOf: newer published versions, compatible within the major, breaking beyond it', () => {
  it.each<[string, string, string[], string | null, string | null]>([
    ['the newest version', 'v1.1', ['v1.0', 'v1.1'], null, null],
    ['a newer minor', 'v1.0', ['v1.0', 'v1.1', 'v1.2'], 'v1.2', null],
    ['a newer major', 'v1.1', ['v1.0', 'v1.1', 'v2.0'], null, 'v2.0'],
    ['both, the newest of each', 'v1.0', ['v1.0', 'v1.1', 'v2.0', 'v2.3', 'v3.1'], 'v1.1', 'v3.1'],
    ['v1.10 after v1.9', 'v1.9', ['v1.9', 'v1.10'], 'v1.10', null],
    ['an older major only', 'v2.0', ['v1.0', 'v1.5', 'v2.0'], null, null],
    ['a version the registry no longer lists', 'v1.0', ['v1.1'], 'v1.1', null],
    ['nothing published', 'v1.0', [], null, null],
    ['a listing that does not parse', 'v1.0', ['v1.1', 'latest'], 'v1.1', null],
  ])('%s', (_, version, published, compatible, breaking) => {
    expect(upgradesOf(version, published)).toEqual({ compatible, breaking });
  });
});

let sequence = 0;
function record(version: string, result: LedgerResult): StackLedgerRecord {
  sequence += 1;
  return {
    target: '_environment#dev#222222222222#us-east-1',
    deploymentId: `env-dev-${sequence}`,
    targetKind: 'cloudformation-stack',
    pipelineId: `env-dev-${sequence}`,
    executionName: `env-dev-${sequence}-222222222222-us-east-1`,
    kind: 'deploy',
    serviceName: '_environment',
    environment: 'dev',
    account: '222222222222',
    region: 'us-east-1',
    stackName: 'crossdeploy-env-dev',
    stackId: 'arn:aws:cloudformation:us-east-1:222222222222:stack/crossdeploy-env-dev/1',
    template: { kind: 'environments', name: 'network' },
    version,
    previousVersion: null,
    previousRevision: null,
    inputsHash: '0'.repeat(64),
    commit: 'templates@main',
    startedAt: `2026-12-01T10:0${sequence % 10}:00.000Z`,
    endedAt: result === 'in-progress' ? null : `2026-12-01T11:0${sequence % 10}:00.000Z`,
    result,
    approver: null,
    comment: null,
    requestedBy: null,
    rollbackReason: null,
  };
}

describe('templateStackOf: the version the newest succeeded deployment put there', () => {
  const v10 = record('v1.0', 'succeeded');
  const v11 = record('v1.1', 'succeeded');
  it.each<[string, StackLedgerRecord[], string | null]>([
    ['no deployment', [], null],
    ['one that succeeded', [v10], 'v1.0'],
    ['an upgrade', [v11, v10], 'v1.1'],
    ['an upgrade the wave rolled back', [record('v1.1', 'rolled-back'), v10], 'v1.0'],
    ['an upgrade CloudFormation rolled back', [record('v1.1', 'failed'), v10], 'v1.0'],
    ['an upgrade under way', [record('v1.1', 'in-progress'), v10], 'v1.0'],
    ['a creation that failed', [record('v1.0', 'failed')], null],
  ])('%s: %s', (_, records, version) => {
    expect(templateStackOf(records, ['v1.0', 'v1.1'])?.version ?? null).toBe(version);
  });

  it('says what runs, since when, and the upgrades; unknown upgrades when the registry could not be read', () => {
    expect(templateStackOf([v10], ['v1.0', 'v1.1', 'v2.0'])).toEqual({
      template: 'environments/network',
      version: 'v1.0',
      stackName: 'crossdeploy-env-dev',
      deploymentId: v10.deploymentId,
      since: v10.endedAt,
      upgrades: { compatible: 'v1.1', breaking: 'v2.0' },
    } satisfies TemplateStackStatus);
    expect(templateStackOf([v10], undefined)?.upgrades).toBeNull();
  });
});

describe('templateStackText: one cell of the status table', () => {
  const at = (upgrades: TemplateStackStatus['upgrades']): TemplateStackStatus => ({
    template: 'environments/network',
    version: 'v1.0',
    stackName: 'crossdeploy-env-dev',
    deploymentId: 'env-dev-1',
    since: null,
    upgrades,
  });
  it.each<[string, TemplateStackStatus | null, string]>([
    ['no stack', null, 'none'],
    ['the newest version', at({ compatible: null, breaking: null }), 'network v1.0'],
    ['a compatible upgrade', at({ compatible: 'v1.2', breaking: null }), 'network v1.0 (v1.2 available)'],
    ['a breaking upgrade', at({ compatible: null, breaking: 'v2.0' }), 'network v1.0 (v2.0 breaking)'],
    ['both', at({ compatible: 'v1.2', breaking: 'v2.0' }), 'network v1.0 (v1.2 available; v2.0 breaking)'],
    ['a registry that could not be read', at(null), 'network v1.0 (upgrades unknown)'],
  ])('%s: %s', (_, stack, text) => {
    expect(templateStackText(stack)).toBe(text);
  });
});
