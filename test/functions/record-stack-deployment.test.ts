import { describe, expect, it } from 'vitest';
import { defaultDocumentClient } from '../../aws/lease';
import { ledgerRecord, stackHistory, targetHistory } from '../../aws/ledger';
import { settings } from '../../aws/settings';
import { ledgerKey } from '../../core/ledger';
import { judgeWave } from '../../functions/evaluate-wave';
import { recordStackDeployment, type StackLedgerEntry } from '../../functions/record-stack-deployment';
import { putRecord } from '../support/ledger';
import { useMoto } from '../support/moto';
import { environmentStackRun, stackTarget } from '../support/stacks';
import { mapRunResults, rollBackList, storedWave } from '../support/wave-store';
import { ledgerRecords, seedLedger } from '../support/workflows';

useMoto();
const dev = stackTarget('222222222222', 'us-east-1');
const run = environmentStackRun({ kind: 'environments', name: 'network', version: 'v1.1' }, { ClusterName: 'dev' }, [
  { targets: [dev] },
]);
const WAS_V1_0 = JSON.stringify({
  template: { kind: 'environments', name: 'network', version: 'v1.0' },
  parameters: [{ ParameterKey: 'ClusterName', ParameterValue: 'dev' }],
});
const started: StackLedgerEntry = {
  phase: 'started',
  deployment: run.deployment,
  target: dev,
  executionName: `${run.deployment.deploymentId}-222222222222-us-east-1`,
  startedAt: '2026-12-01T10:00:00.000Z',
  changeSet: {
    stackId: 'arn:aws:cloudformation:us-east-1:222222222222:stack/crossdeploy-env-dev/1',
    revision: { previous: WAS_V1_0, current: 'v1.1' },
  },
};
const rollback = (overrides: Partial<Extract<StackLedgerEntry, { reason: unknown }>> = {}): StackLedgerEntry => ({
  phase: 'rolled-back',
  deploymentId: run.deployment.deploymentId,
  serviceName: '_environment',
  environment: 'dev',
  target: dev,
  reason: { check: 'wave', evidence: 'wave 1 of dev: 1 of 2 targets failed' },
  ...overrides,
});
const at = (iso: string) => () => new Date(iso);
const KEY = ledgerKey('_environment', 'dev', dev);

describe('record-stack-deployment', () => {
  it('closes the record of the deployment a wave rolled back, keeping what deploy-stack wrote', async () => {
    await seedLedger();
    const db = defaultDocumentClient();
    await recordStackDeployment(started, db, at('2026-12-01T10:00:01.000Z'));
    await recordStackDeployment({ ...started, phase: 'succeeded' }, db, at('2026-12-01T10:04:00.000Z'));
    await recordStackDeployment(rollback(), db, at('2026-12-01T10:09:00.000Z'));

    expect(await ledgerRecords()).toEqual([
      expect.objectContaining({
        target: KEY,
        targetKind: 'cloudformation-stack',
        version: 'v1.1',
        previousVersion: 'v1.0',
        startedAt: '2026-12-01T10:00:00.000Z',
        endedAt: '2026-12-01T10:09:00.000Z',
        result: 'rolled-back',
        rollbackReason: 'wave: wave 1 of dev: 1 of 2 targets failed',
      }),
    ]);
  });

  it('records a rollback that failed, with why', async () => {
    await seedLedger();
    const db = defaultDocumentClient();
    await recordStackDeployment({ ...started, phase: 'succeeded' }, db, at('2026-12-01T10:04:00.000Z'));
    await recordStackDeployment(
      rollback({
        phase: 'rollback-failed',
        failure: { Error: 'StackNotDeployable', Cause: 'the stack is UPDATE_ROLLBACK_FAILED' },
      }),
      db,
      at('2026-12-01T10:09:00.000Z'),
    );

    const [record] = await ledgerRecords();
    expect(record).toMatchObject({
      result: 'rollback-failed',
      rollbackReason:
        'wave: wave 1 of dev: 1 of 2 targets failed; the rollback failed: StackNotDeployable: the stack is UPDATE_ROLLBACK_FAILED',
    });
  });

  it('leaves a record that a rollback closed as it is, when the stopped deployment reports late', async () => {
    await seedLedger();
    const db = defaultDocumentClient();
    await recordStackDeployment(started, db, at('2026-12-01T10:00:01.000Z'));
    await recordStackDeployment(
      rollback({ reason: { check: 'aborted', evidence: 'aborted by jane' } }),
      db,
      at('2026-12-01T10:02:00.000Z'),
    );
    await recordStackDeployment({ ...started, phase: 'succeeded' }, db, at('2026-12-01T10:03:00.000Z'));

    const [record] = await ledgerRecords();
    expect(record).toMatchObject({ result: 'rolled-back', rollbackReason: 'aborted: aborted by jane' });
  });
});

describe('stack and service records under one key', () => {
  it('gives each reader only its own kind of record', async () => {
    await seedLedger();
    const db = defaultDocumentClient();
    // A stack deployed under a service's name (a service instance) shares that service's key.
    const key = ledgerKey('web', 'dev', dev);
    await recordStackDeployment(
      { ...started, deployment: { ...run.deployment, serviceName: 'web', deploymentId: 'web-instance-1' } },
      db,
    );
    await putRecord(
      {
        target: key,
        deploymentId: 'web-dev-3f2a9c1',
        serviceName: 'web',
        environment: 'dev',
        account: dev.account,
        region: dev.region,
        cluster: 'demo',
        service: 'web',
        result: 'succeeded',
      },
      db,
    );
    const table = settings.ledgerTable();

    expect((await targetHistory(table, key, db)).map((r) => r.deploymentId)).toEqual(['web-dev-3f2a9c1']);
    expect((await stackHistory(table, key, db)).map((r) => r.deploymentId)).toEqual(['web-instance-1']);
    expect(await ledgerRecord(table, key, 'web-instance-1', db)).toBeUndefined();
    expect(await ledgerRecord(table, key, 'web-dev-3f2a9c1', db)).toMatchObject({ cluster: 'demo' });
  });
});

describe('evaluate-wave with a stack whose execution ended unfinished', () => {
  const timedOut = { succeeded: false as const, failure: { Error: 'States.Timeout', Cause: '', Status: 'TIMED_OUT' } };
  const wave = async () => {
    const stored = await storedWave(run.deployment.deploymentId, {
      maxConcurrency: 1,
      failureTolerance: 0,
      targets: [dev],
    });
    return {
      deploymentId: run.deployment.deploymentId,
      serviceName: '_environment',
      environment: 'dev',
      waveNumber: 0,
      failureTolerance: 0,
      store: stored.store,
      results: await mapRunResults(stored, [{ input: { target: dev }, output: timedOut }]),
    };
  };

  it('puts the stack back on what the ledger says it ran before its change set', async () => {
    await seedLedger();
    const db = defaultDocumentClient();
    await recordStackDeployment(started, db);

    const verdict = await judgeWave(await wave(), { db });

    expect(verdict.failed).toBe(true);
    expect(await rollBackList(verdict.rollBack)).toEqual([
      { target: dev, revision: { previous: WAS_V1_0, current: 'v1.1' } },
    ]);
  });

  it('puts nothing back for a stack whose deployment had failed before its change set', async () => {
    await seedLedger();
    const db = defaultDocumentClient();
    await recordStackDeployment(
      { ...started, phase: 'failed', changeSet: undefined, failure: { Error: 'RoleNotAssumable', Cause: 'denied' } },
      db,
    );

    const verdict = await judgeWave(await wave(), { db });

    expect(verdict.failed).toBe(true);
    expect(await rollBackList(verdict.rollBack)).toEqual([]);
  });

  it('puts back a target that never reported because the Map Run itself failed, when it had begun', async () => {
    await seedLedger();
    const db = defaultDocumentClient();
    await recordStackDeployment(started, db);
    const stored = await storedWave(run.deployment.deploymentId, {
      maxConcurrency: 1,
      failureTolerance: 0,
      targets: [dev],
    });

    const verdict = await judgeWave(
      { ...(await wave()), results: { Error: 'States.ItemReaderFailed', Cause: 'denied' }, store: stored.store },
      { db },
    );

    expect(verdict).toMatchObject({ failed: true, error: 'States.ItemReaderFailed' });
    expect(await rollBackList(verdict.rollBack)).toEqual([
      { target: dev, revision: { previous: WAS_V1_0, current: 'v1.1' } },
    ]);
  });
});
