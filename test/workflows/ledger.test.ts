import { describe, expect, it } from 'vitest';
import { useMoto } from '../support/moto';
import {
  APPROVED,
  environmentDeployment,
  IMAGE,
  ledgerRecords,
  live,
  runEnvironment,
  seed,
  seedPullGrant,
  target,
  targetDeployment,
  useWorkflows,
} from '../support/workflows';

const moto = useMoto();
const engine = useWorkflows();
const dev = target('222222222222', 'us-east-1');
const other = target('333333333333', 'us-east-1');

describe('the deployment ledger, as the workflows write it', () => {
  it('records a successful deployment with its commit, image, both revisions and who approved it', async () => {
    await seed([dev]);
    await seedPullGrant([dev]);
    const execution = await engine().run('deploy-target', targetDeployment(dev, { context: APPROVED }));

    expect(execution.status).toBe('SUCCEEDED');
    const [record, ...more] = await ledgerRecords();
    expect(more).toEqual([]);
    expect(record).toMatchObject({
      target: 'web#dev#222222222222#us-east-1',
      deploymentId: 'web-dev-3f2a9c1-test',
      pipelineId: APPROVED.pipelineId,
      executionName: execution.name,
      kind: 'deploy',
      serviceName: 'web',
      environment: 'dev',
      account: '222222222222',
      region: 'us-east-1',
      cluster: 'demo',
      service: 'web',
      commit: '3f2a9c1'.padEnd(40, '0'),
      imageDigest: IMAGE.digest,
      imageUri: IMAGE.uri,
      taskDefinitionArn: (await live(dev)).taskDefinitionArn,
      previousTaskDefinitionArn: expect.stringMatching(/task-definition\/web:1$/),
      result: 'succeeded',
      approver: 'jane@example.com',
      comment: 'ship it',
      requestedBy: null,
    });
    expect(Date.parse(record?.endedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(record?.startedAt ?? ''));
  });

  it('records a deployment that ECS rolled back as rolled back, with the check that saw it', async () => {
    await seed([dev]);
    await seedPullGrant([dev]);
    moto.scheduler().injectFault(dev, { kind: 'circuit-breaker' });
    const execution = await engine().run('deploy-target', targetDeployment(dev));

    expect(execution.status).toBe('FAILED');
    const [record] = await ledgerRecords();
    expect(record).toMatchObject({ result: 'rolled-back', commit: '3f2a9c1'.padEnd(40, '0') });
    expect(record?.rollbackReason).toMatch(/^circuit-breaker: /);
    expect(record?.endedAt).toEqual(expect.any(String));
  });

  it('records a deployment that failed before touching the service, with the step error', async () => {
    await seed([dev]);
    await seedPullGrant([dev]);
    moto.scheduler().injectFault(dev, { kind: 'deny-assume-role' });
    const execution = await engine().run('deploy-target', targetDeployment(dev));

    expect(execution.error).toBe('RoleNotAssumable');
    const [record] = await ledgerRecords();
    expect(record).toMatchObject({ result: 'failed', taskDefinitionArn: null, previousTaskDefinitionArn: null });
    expect(record?.rollbackReason).toMatch(/^RoleNotAssumable: .*222222222222/);
    // The step's Cause is Lambda's JSON error document with a stack trace; the ledger keeps the message only.
    expect(JSON.parse(String(execution.cause))).toMatchObject({ errorType: 'RoleNotAssumable' });
    expect(record?.rollbackReason).not.toMatch(/[{}]|errorMessage|\bat /);
  });

  it('records why an update that could not be confirmed was undone, in plain words', async () => {
    await seed([dev]);
    moto.scheduler().injectFault(dev, { kind: 'throttle', every: 1, operations: ['UpdateService'] });
    const execution = await engine().run('deploy-target', targetDeployment(dev));

    expect(execution.status).toBe('FAILED');
    const [record] = await ledgerRecords();
    expect(record?.rollbackReason).toMatch(/^rollout: the service update could not be confirmed \(TransientAwsError: /);
    expect(record?.rollbackReason).not.toMatch(/[{}]|errorMessage|\bat /);
  });

  it("records a target the wave rolled back after it succeeded as rolled back, with the wave's reason", async () => {
    await seed([dev, other]);
    moto.scheduler().injectFault(other, { kind: 'circuit-breaker' });
    const execution = await runEnvironment(
      engine(),
      environmentDeployment([{ targets: [dev, other], failureTolerance: 0 }]),
    );

    expect(execution.status).toBe('FAILED');
    const byAccount = Object.fromEntries((await ledgerRecords()).map((r) => [r.account, r]));
    expect(byAccount['222222222222']).toMatchObject({ result: 'rolled-back' });
    expect(byAccount['222222222222']?.rollbackReason).toMatch(/^wave: /);
    expect(byAccount['333333333333']).toMatchObject({ result: 'rolled-back' });
    expect(byAccount['333333333333']?.rollbackReason).toMatch(/^circuit-breaker: /);
    expect((await live(dev)).revision).toBe(1);
  });
});
