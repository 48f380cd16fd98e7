import { beforeEach, describe, expect, it } from 'vitest';
import type { Progress, TargetDeployment } from '../../core/contracts';
import { checkRollout } from '../../functions/check-rollout';
import { registerRevision } from '../../functions/register-task-definition';
import { updateService } from '../../functions/update-service';
import { useMoto } from '../support/moto';
import { live, target, targetDeployment, useWorkflows } from '../support/workflows';
import { recordingClientFactory, seeded, startRollout } from './support';

const moto = useMoto();
useWorkflows();
// Rollouts move only when a check looks, so each test knows what every check sees.
beforeEach(() => moto.scheduler().setRolloutStepMs(3_600_000));
const dev = target('222222222222', 'us-east-1');

/** One rollout check as the state machine passes it: the deployment, the revision and the last progress. */
function check(deployment: TargetDeployment, taskDefinitionArn: string, progress: Progress) {
  return checkRollout({
    target: deployment.target,
    deployRole: deployment.deployment.deployRole,
    taskDefinitionArn,
    rollout: deployment.deployment.rollout,
    progress,
  });
}

describe('update-service step (updateService)', () => {
  it('points the service at the new revision with the circuit breaker and the alarms armed', async () => {
    await seeded(dev);
    const deployment = targetDeployment(dev);
    const { clients, sent } = recordingClientFactory();
    const revision = await registerRevision(deployment);

    const progress = await updateService({ ...deployment, revision }, clients, () => new Date('2030-01-02T03:04:05Z'));

    // One 150-second rollout budget: one wait for ECS's event, then one check; a 90-second bake after it.
    expect(progress).toEqual({
      startedAt: '2030-01-02T03:04:05.000Z',
      ecsDeploymentId: expect.stringMatching(/^ecs-svc\//),
      rolloutChecksLeft: 1,
      checkInSeconds: 150,
      bakeSeconds: 90,
      state: 'IN_PROGRESS',
      summary: `service demo/web updated to ${revision.taskDefinitionArn}`,
    });
    expect(sent.find((c) => c.command === 'UpdateServiceCommand')?.input).toEqual({
      cluster: 'demo',
      service: 'web',
      taskDefinition: revision.taskDefinitionArn,
      deploymentConfiguration: {
        deploymentCircuitBreaker: { enable: true, rollback: true },
        alarms: { alarmNames: ['web-5xx'], enable: true, rollback: true },
      },
    });
    expect((await live(dev)).taskDefinitionArn).toBe(revision.taskDefinitionArn);
  });

  it('arms no deployment alarms when the map names none', async () => {
    await seeded(dev, []);
    const deployment = targetDeployment(dev, { health: { alarms: [] } });
    const { clients, sent } = recordingClientFactory();
    const revision = await registerRevision(deployment);

    await updateService({ ...deployment, revision }, clients);

    const update = sent.find((c) => c.command === 'UpdateServiceCommand');
    expect(update?.input.deploymentConfiguration).toEqual({
      deploymentCircuitBreaker: { enable: true, rollback: true },
    });
  });
});

describe('check-rollout step (checkRollout)', () => {
  it('reports IN_PROGRESS while tasks start, then COMPLETED once the new revision runs everywhere', async () => {
    await seeded(dev);
    const deployment = targetDeployment(dev);
    const { revision, progress } = await startRollout(deployment);

    const first = await check(deployment, revision.taskDefinitionArn, progress);
    const second = await check(deployment, revision.taskDefinitionArn, first);

    expect(first).toMatchObject({ state: 'IN_PROGRESS', rolloutChecksLeft: deployment.deployment.rollout.checks - 1 });
    expect(first.summary).toContain('1/2 running');
    expect(first.failure).toBeUndefined();
    expect(second).toMatchObject({ state: 'COMPLETED', rolloutChecksLeft: deployment.deployment.rollout.checks - 2 });
    expect(second.summary).toContain('2/2 running');
    expect(second.summary).toContain('web:2');
    expect(second.failure).toBeUndefined();
    expect(second.startedAt).toBe(progress.startedAt);
  });

  it("reports ECS's circuit breaker rolling back the revision as a circuit-breaker failure, never as COMPLETED", async () => {
    await seeded(dev);
    moto.scheduler().injectFault(dev, { kind: 'circuit-breaker' });
    const deployment = targetDeployment(dev);
    const { revision, progress } = await startRollout(deployment);

    // The simulated tasks fail on the first look; on the second, the breaker trips and ECS restores web:1.
    const failing = await check(deployment, revision.taskDefinitionArn, progress);
    const tripped = await check(deployment, revision.taskDefinitionArn, failing);

    expect(failing.state).toBe('IN_PROGRESS');
    expect(failing.summary).toContain('failed tasks');
    expect(tripped.state).toBe('ROLLED_BACK_BY_ECS');
    expect(tripped.failure?.check).toBe('circuit-breaker');
    expect(tripped.failure?.evidence).toMatch(/circuit breaker/i);
    expect(tripped.summary).toContain('web:1');
    expect((await live(dev)).revision).toBe(1);
  });

  it('fails with a timeout naming its budget when the rollout is still running at the last check', async () => {
    await seeded(dev);
    moto.scheduler().injectFault(dev, { kind: 'stuck' });
    const deployment = targetDeployment(dev, { rollout: { intervalSeconds: 15, checks: 1 } });
    const { revision, progress } = await startRollout(deployment);

    const result = await check(deployment, revision.taskDefinitionArn, { ...progress, rolloutChecksLeft: 1 });

    expect(result.state).toBe('FAILED');
    expect(result.rolloutChecksLeft).toBe(0);
    expect(result.failure?.check).toBe('timeout');
    expect(result.failure?.evidence).toContain('rollout not complete within 15s');
  });

  it('keeps waiting while a stuck rollout still has checks left', async () => {
    await seeded(dev);
    moto.scheduler().injectFault(dev, { kind: 'stuck' });
    const deployment = targetDeployment(dev);
    const { revision, progress } = await startRollout(deployment);

    const result = await check(deployment, revision.taskDefinitionArn, progress);

    expect(result.state).toBe('IN_PROGRESS');
    expect(result.failure).toBeUndefined();
  });

  it('drops the failure of an earlier check from the progress it hands on', async () => {
    await seeded(dev);
    const deployment = targetDeployment(dev);
    const { revision, progress } = await startRollout(deployment);

    const result = await check(deployment, revision.taskDefinitionArn, {
      ...progress,
      failure: { check: 'rollout', evidence: 'left over from an earlier check' },
    });

    expect(result.state).toBe('IN_PROGRESS');
    expect(result).not.toHaveProperty('failure');
  });
});
