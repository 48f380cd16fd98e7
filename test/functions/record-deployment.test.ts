import { describe, expect, it } from 'vitest';
import { defaultDocumentClient } from '../../aws/lease';
import { type LedgerEntry, recordDeployment } from '../../functions/record-deployment';
import { useMoto } from '../support/moto';
import { IMAGE, ledgerRecords, seedLedger, target } from '../support/workflows';

useMoto();
const dev = target('222222222222', 'us-east-1');
const REVISION = {
  taskDefinitionArn: 'arn:aws:ecs:us-east-1:222222222222:task-definition/web:2',
  previousTaskDefinitionArn: 'arn:aws:ecs:us-east-1:222222222222:task-definition/web:1',
};
const started: LedgerEntry = {
  phase: 'started',
  deploymentId: 'web-dev-3f2a9c1-test',
  serviceName: 'web',
  environment: 'dev',
  target: dev,
  executionName: 'web-dev-3f2a9c1-test-222222222222-us-east-1',
  startedAt: '2026-11-22T07:00:00.000Z',
  commit: '3f2a9c1'.padEnd(40, '0'),
  image: IMAGE,
  context: { kind: 'deploy', pipelineId: 'web-main-3f2a9c1-abcd1234', approval: null, requestedBy: null },
  revision: REVISION,
};
const at = (iso: string) => () => new Date(iso);
/** The rollback of `started`: its target back on the previous revision, for `reason`. */
const rolledBack = (reason: Extract<LedgerEntry, { reason: unknown }>['reason']): LedgerEntry => ({
  phase: 'rolled-back',
  deploymentId: started.deploymentId,
  serviceName: 'web',
  environment: 'dev',
  target: dev,
  taskDefinitionArn: REVISION.previousTaskDefinitionArn,
  reason,
});

describe('record-deployment', () => {
  it('keeps one record per target and deployment, dated by its first write', async () => {
    await seedLedger();
    const db = defaultDocumentClient();
    await recordDeployment(started, db, at('2026-11-22T07:00:01.000Z'));
    await recordDeployment({ ...started, phase: 'succeeded' }, db, at('2026-11-22T07:05:00.000Z'));

    expect(await ledgerRecords()).toEqual([
      expect.objectContaining({
        startedAt: '2026-11-22T07:00:00.000Z',
        endedAt: '2026-11-22T07:05:00.000Z',
        result: 'succeeded',
        ...REVISION,
      }),
    ]);
  });

  it('writes a whole record from the final phase alone, when the start was never recorded', async () => {
    await seedLedger();
    await recordDeployment({ ...started, phase: 'succeeded' }, defaultDocumentClient(), at('2026-11-22T07:05:00Z'));

    const [record] = await ledgerRecords();
    expect(record).toMatchObject({ result: 'succeeded', commit: started.commit, imageDigest: IMAGE.digest });
  });

  it('marks a rollback on the deployment it undoes, keeping what the deploy recorded', async () => {
    await seedLedger();
    const db = defaultDocumentClient();
    await recordDeployment(started, db, at('2026-11-22T07:00:01.000Z'));
    await recordDeployment(
      rolledBack({ check: 'alarm', evidence: 'web-5xx is in ALARM' }),
      db,
      at('2026-11-22T07:03:00.000Z'),
    );

    const [record] = await ledgerRecords();
    expect(record).toMatchObject({
      result: 'rolled-back',
      rollbackReason: 'alarm: web-5xx is in ALARM',
      commit: started.commit,
      taskDefinitionArn: REVISION.taskDefinitionArn,
      endedAt: '2026-11-22T07:03:00.000Z',
    });
  });
});

describe('record-deployment after an abort', () => {
  it('leaves a record that a rollback closed as it is, when the stopped deployment reports late', async () => {
    await seedLedger();
    const db = defaultDocumentClient();
    await recordDeployment(started, db, at('2026-11-22T07:00:01.000Z'));
    await recordDeployment(
      rolledBack({ check: 'aborted', evidence: 'aborted by jane' }),
      db,
      at('2026-11-22T07:02:00.000Z'),
    );
    await recordDeployment({ ...started, phase: 'succeeded' }, db, at('2026-11-22T07:03:00.000Z'));

    const [record] = await ledgerRecords();
    expect(record).toMatchObject({ result: 'rolled-back', rollbackReason: 'aborted: aborted by jane' });
  });
});
