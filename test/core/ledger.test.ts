import { describe, expect, it } from 'vitest';
import { currentRecord, type LedgerRecord, ledgerKey, rollbackImage } from '../../core/ledger';

const REPO = '111111111111.dkr.ecr.us-east-1.amazonaws.com/web';

function record(commit: string, result: LedgerRecord['result'], startedAt: string): LedgerRecord {
  const digest = `sha256:${commit.slice(0, 1).repeat(64)}`;
  return {
    target: 'web#prod#333333333333#us-east-1',
    deploymentId: `web-${commit.slice(0, 7)}-prod`,
    pipelineId: `web-${commit.slice(0, 7)}`,
    executionName: `web-${commit.slice(0, 7)}-prod-333333333333-us-east-1`,
    kind: 'deploy',
    serviceName: 'web',
    environment: 'prod',
    account: '333333333333',
    region: 'us-east-1',
    cluster: 'demo',
    service: 'web',
    commit,
    imageDigest: digest,
    imageUri: `${REPO}@${digest}`,
    taskDefinitionArn: null,
    previousTaskDefinitionArn: null,
    startedAt,
    endedAt: startedAt,
    result,
    approver: null,
    comment: null,
    requestedBy: null,
    rollbackReason: null,
  };
}

const a = 'a'.repeat(40);
const b = 'b'.repeat(40);
const c = 'c'.repeat(40);
const ab = `ab${'0'.repeat(38)}`;

describe('rollbackImage', () => {
  it.each([
    ['the image before the current one', [record(b, 'succeeded', '3'), record(a, 'succeeded', '1')], undefined, a],
    [
      'skipping failures and redeploys of the current image',
      [
        record(c, 'rolled-back', '4'),
        record(b, 'succeeded', '3'),
        record(b, 'succeeded', '2'),
        record(a, 'succeeded', '1'),
      ],
      undefined,
      a,
    ],
    [
      'the named commit',
      [record(c, 'succeeded', '3'), record(b, 'succeeded', '2'), record(a, 'succeeded', '1')],
      'bbbbbbb',
      b,
    ],
    ['the named commit, in capitals', [record(c, 'succeeded', '3'), record(b, 'succeeded', '2')], 'BBBBBBB', b],
  ])('goes back to %s', (_, records, to, expected) => {
    const choice = rollbackImage(records, to);
    expect(choice).toEqual({
      commit: expected,
      image: {
        repositoryUri: REPO,
        digest: `sha256:${expected.slice(0, 1).repeat(64)}`,
        uri: `${REPO}@sha256:${expected.slice(0, 1).repeat(64)}`,
      },
    });
  });

  it.each([
    ['nothing succeeded before', [record(a, 'succeeded', '1')], undefined],
    ['the ledger is empty', [], undefined],
    ['the named commit never succeeded', [record(b, 'succeeded', '2'), record(a, 'failed', '1')], 'aaaa'],
  ])('finds nothing when %s', (_, records, to) => {
    expect(rollbackImage(records, to)).toEqual({ problem: 'none' });
  });

  it('refuses a prefix that names several commits', () => {
    expect(rollbackImage([record(ab, 'succeeded', '2'), record(a, 'succeeded', '1')], 'a')).toEqual({
      problem: 'ambiguous',
      commits: [ab, a],
    });
  });
});

describe('currentRecord and ledgerKey', () => {
  it('takes the newest success as what runs', () => {
    const records = [record(c, 'in-progress', '3'), record(b, 'rolled-back', '2'), record(a, 'succeeded', '1')];
    expect(currentRecord(records)?.commit).toBe(a);
  });

  it('keys a record by service, environment, account and region', () => {
    expect(ledgerKey('web', 'prod', { account: '333333333333', region: 'eu-west-1' })).toBe(
      'web#prod#333333333333#eu-west-1',
    );
  });
});
