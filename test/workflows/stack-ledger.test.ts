import { createHash } from 'node:crypto';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import type { StackEnvironmentRun, StackTarget } from '../../core/contracts';
import type { AnyLedgerRecord, StackLedgerRecord } from '../../core/ledger';
import { clientForAccount } from '../../local/accounts';
import { useMoto } from '../support/moto';
import { environmentStackRun, network, publishNetwork, stackTarget } from '../support/stacks';
import { ledgerRecords, runEnvironment, useWorkflows } from '../support/workflows';

useMoto();
const engine = useWorkflows();

const a = stackTarget('222222222222', 'us-east-1');
const b = stackTarget('222222222222', 'eu-west-1');
const c = stackTarget('333333333333', 'us-east-1');
const INPUTS = { ClusterName: 'dev-cluster' };
// sha256 of the inputs' canonical JSON, written out: the ledger's hash must not depend on crossdeploy's own code.
const INPUTS_HASH = createHash('sha256').update('{"ClusterName":"dev-cluster"}').digest('hex');
const APPROVED = {
  kind: 'deploy' as const,
  pipelineId: 'templates-main-3f2a9c1-abcd1234',
  approval: { approver: 'jane@example.com', comment: 'network v1.1 for dev' },
  requestedBy: null,
};
const stackIdIn = (t: StackTarget) =>
  new RegExp(`^arn:aws:cloudformation:${t.region}:${t.account}:stack/${t.stackName}/`);

const approved = (run: StackEnvironmentRun): StackEnvironmentRun => ({
  ...run,
  deployment: { ...run.deployment, context: APPROVED },
});

/** Every ledger record, oldest first, each a stack's: a service record here fails the test. */
async function stackRecords(): Promise<StackLedgerRecord[]> {
  const records: AnyLedgerRecord[] = await ledgerRecords();
  for (const r of records) expect(r.targetKind).toBe('cloudformation-stack');
  return records as StackLedgerRecord[];
}

/** The stack records of one deployment, by account/region. */
async function recordsOf(deploymentId: string): Promise<Record<string, StackLedgerRecord>> {
  const records = (await stackRecords()).filter((r) => r.deploymentId === deploymentId);
  return Object.fromEntries(records.map((r) => [`${r.account}/${r.region}`, r]));
}

/** The IAM role network v1.1 creates, made beforehand in 333333333333: CloudFormation cannot create it there. */
async function takeTaskExecutionRoleIn(t: StackTarget) {
  const iam = clientForAccount(IAMClient, t.account, t.region);
  await iam.send(
    new CreateRoleCommand({ RoleName: `dev-cluster-${t.region}-task-execution`, AssumeRolePolicyDocument: '{}' }),
  );
  iam.destroy();
}

describe('the ledger, as the stack workflows write it', () => {
  it('records a created stack with its template, version, inputs hash, stack id and who let it through', async () => {
    await publishNetwork();
    const run = approved(environmentStackRun(network('v1.0'), INPUTS, [{ targets: [a] }]));

    const execution = await runEnvironment(engine(), run);

    expect(execution.status).toBe('SUCCEEDED');
    const [record, ...more] = await stackRecords();
    expect(more).toEqual([]);
    expect(record).toEqual({
      target: '_environment#dev#222222222222#us-east-1',
      deploymentId: run.deployment.deploymentId,
      targetKind: 'cloudformation-stack',
      pipelineId: APPROVED.pipelineId,
      executionName: `${run.deployment.deploymentId}-222222222222-us-east-1`,
      kind: 'deploy',
      serviceName: '_environment',
      environment: 'dev',
      account: '222222222222',
      region: 'us-east-1',
      stackName: 'crossdeploy-env-dev',
      stackId: expect.stringMatching(stackIdIn(a)),
      template: { kind: 'environments', name: 'network' },
      version: 'v1.0',
      previousVersion: null,
      previousRevision: expect.any(String),
      inputsHash: INPUTS_HASH,
      commit: 'templates@main',
      startedAt: expect.any(String),
      endedAt: expect.any(String),
      result: 'succeeded',
      approver: 'jane@example.com',
      comment: 'network v1.1 for dev',
      requestedBy: null,
      rollbackReason: null,
    });
    // What the wave's rollback would do with it: delete the stack, which did not exist before.
    expect(JSON.parse(String(record?.previousRevision))).toEqual({ template: null, parameters: [] });
    expect(Date.parse(String(record?.endedAt))).toBeGreaterThanOrEqual(Date.parse(String(record?.startedAt)));
  });

  it('records an upgrade with the version it replaced, and a deployment that changed nothing on the same version', async () => {
    await publishNetwork();
    const first = environmentStackRun(network('v1.0'), INPUTS, [{ targets: [a, b] }]);
    const upgrade = environmentStackRun(network('v1.1'), INPUTS, [{ targets: [a, b] }]);
    const again = environmentStackRun(network('v1.1'), INPUTS, [{ targets: [a, b] }], 'env-dev-v1-1-again');
    for (const run of [first, upgrade, again]) {
      expect((await runEnvironment(engine(), run)).status).toBe('SUCCEEDED');
    }

    const runs = await Promise.all([first, upgrade, again].map((run) => recordsOf(run.deployment.deploymentId)));

    for (const where of ['222222222222/us-east-1', '222222222222/eu-west-1']) {
      expect(runs.map((records) => records[where]).map((r) => [r?.version, r?.previousVersion, r?.result])).toEqual([
        ['v1.0', null, 'succeeded'],
        ['v1.1', 'v1.0', 'succeeded'],
        ['v1.1', 'v1.1', 'succeeded'],
      ]);
      // One stack all along, deployed with the same inputs.
      expect(new Set(runs.map((records) => records[where]?.stackId)).size).toBe(1);
      expect(runs.map((records) => records[where]?.inputsHash)).toEqual(Array(3).fill(INPUTS_HASH));
    }
    const [, upgraded] = runs;
    expect(JSON.parse(String(upgraded?.['222222222222/us-east-1']?.previousRevision))).toEqual({
      template: network('v1.0'),
      parameters: expect.arrayContaining([{ ParameterKey: 'ClusterName', ParameterValue: 'dev-cluster' }]),
    });
  });

  it("records the wave's rollback on the stack it put back, and the stack CloudFormation rolled back as failed with its resource's reason", async () => {
    await publishNetwork();
    await runEnvironment(engine(), environmentStackRun(network('v1.0'), INPUTS, [{ targets: [a, c] }]));
    await takeTaskExecutionRoleIn(c);
    const upgrade = environmentStackRun(network('v1.1'), INPUTS, [{ targets: [a, c] }, { targets: [b] }]);

    const execution = await runEnvironment(engine(), upgrade);

    expect(execution.status).toBe('FAILED');
    const records = await recordsOf(upgrade.deployment.deploymentId);
    expect(Object.keys(records).sort()).toEqual(['222222222222/us-east-1', '333333333333/us-east-1']);
    expect(records['222222222222/us-east-1']).toMatchObject({
      result: 'rolled-back',
      version: 'v1.1',
      previousVersion: 'v1.0',
      stackId: expect.stringMatching(stackIdIn(a)),
      rollbackReason: expect.stringMatching(/^wave: wave 1 of dev: 1 of 2 targets failed .*333333333333\/us-east-1/),
      endedAt: expect.any(String),
    });
    const failed = records['333333333333/us-east-1'];
    expect(failed).toMatchObject({ result: 'failed', version: 'v1.1', previousVersion: 'v1.0' });
    expect(failed?.stackId).toMatch(stackIdIn(c));
    expect(failed?.rollbackReason).toMatch(
      /^StackRolledBack: .*UPDATE_ROLLBACK_COMPLETE after resource TaskExecutionRole \(AWS::IAM::Role\) CREATE_FAILED/,
    );
    // The reason in plain words: no Lambda error document, no stack trace.
    expect(failed?.rollbackReason).not.toMatch(/errorType|errorMessage|\bat /);
  });

  it('records a stack the wave deleted, which its deployment had created, as rolled back', async () => {
    await publishNetwork();
    await takeTaskExecutionRoleIn(c);
    const run = environmentStackRun(network('v1.1'), INPUTS, [{ targets: [a, c] }]);

    expect((await runEnvironment(engine(), run)).status).toBe('FAILED');

    const records = await recordsOf(run.deployment.deploymentId);
    expect(records['222222222222/us-east-1']).toMatchObject({
      result: 'rolled-back',
      previousVersion: null,
      rollbackReason: expect.stringMatching(/^wave: /),
    });
    expect(records['333333333333/us-east-1']).toMatchObject({
      result: 'failed',
      rollbackReason: expect.stringMatching(/^StackRolledBack: .*ROLLBACK_COMPLETE/),
    });
  });

  it('records a stack CloudFormation could not create as failed, and a version never published as failed before any change set', async () => {
    await publishNetwork();
    const broken = environmentStackRun(network('v1.0'), { ...INPUTS, SubnetCidr: '192.168.0.0/24' }, [
      { targets: [a] },
    ]);
    const unpublished = environmentStackRun(network('v1.7'), INPUTS, [{ targets: [b] }]);

    expect((await runEnvironment(engine(), broken)).error).toBe('StackRolledBack');
    expect((await runEnvironment(engine(), unpublished)).error).toBe('TemplateVersionNotPublished');

    const [created] = Object.values(await recordsOf(broken.deployment.deploymentId));
    expect(created).toMatchObject({ result: 'failed', version: 'v1.0', previousVersion: null });
    expect(created?.stackId).toMatch(stackIdIn(a));
    expect(created?.rollbackReason).toMatch(
      /^StackRolledBack: .*ROLLBACK_COMPLETE after resource Subnet \(AWS::EC2::Subnet\) CREATE_FAILED: .*192\.168\.0\.0\/24/,
    );
    const [refused] = Object.values(await recordsOf(unpublished.deployment.deploymentId));
    expect(refused).toMatchObject({
      result: 'failed',
      version: 'v1.7',
      stackId: null,
      previousVersion: null,
      previousRevision: null,
      rollbackReason: expect.stringMatching(
        /^TemplateVersionNotPublished: environments\/network v1\.7 is not published/,
      ),
    });
  });
});
