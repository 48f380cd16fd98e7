import { beforeEach, describe, expect, it } from 'vitest';
import type { FailureEvidence, Progress, TargetDeployment } from '../../core/contracts';
import { checkRollout } from '../../functions/check-rollout';
import { rollBackService } from '../../functions/roll-back-service';
import { useMoto } from '../support/moto';
import { live, target, targetDeployment, useWorkflows } from '../support/workflows';
import { seeded, startRollout } from './support';

const moto = useMoto();
useWorkflows();
// Rollouts move only when a check looks, so each test knows what every check sees.
beforeEach(() => moto.scheduler().setRolloutStepMs(3_600_000));
const dev = target('222222222222', 'us-east-1');

const ALARM_FIRED: FailureEvidence = { check: 'alarm', evidence: 'alarm web-5xx is ALARM: 5xx rate above 5%' };

function rollBack(deployment: TargetDeployment, previousTaskDefinitionArn: string, reason = ALARM_FIRED) {
  return rollBackService(
    {
      deploymentId: deployment.deployment.deploymentId,
      target: deployment.target,
      deployRole: deployment.deployment.deployRole,
      revision: { previous: previousTaskDefinitionArn },
      rollout: deployment.deployment.rollout,
      reason,
    },
    undefined,
    () => new Date('2030-01-02T03:04:05Z'),
  );
}

async function rollOutToTheEnd(deployment: TargetDeployment, taskDefinitionArn: string, progress: Progress) {
  let last = progress;
  do {
    last = await checkRollout({
      target: deployment.target,
      deployRole: deployment.deployment.deployRole,
      rollout: deployment.deployment.rollout,
      taskDefinitionArn,
      progress: last,
    });
  } while (last.state === 'IN_PROGRESS' && last.rolloutChecksLeft > 0);
  return last;
}

const updateServiceCalls = () => moto.scheduler().stats().calls['ecs:UpdateService'] ?? 0;

describe('roll-back-service step (rollBackService)', () => {
  it('puts the service back on the previous revision and explains where and why in the cause', async () => {
    const { taskDefinitionArn: previous } = await seeded(dev);
    const deployment = targetDeployment(dev);
    const { revision, progress } = await startRollout(deployment);
    expect((await rollOutToTheEnd(deployment, revision.taskDefinitionArn, progress)).state).toBe('COMPLETED');
    const updatesBefore = updateServiceCalls();

    const result = await rollBack(deployment, previous);

    expect(result).toMatchObject({
      startedAt: '2030-01-02T03:04:05.000Z',
      rolloutChecksLeft: deployment.deployment.rollout.checks,
      state: 'IN_PROGRESS',
      summary: `rolling back to ${previous}`,
      updated: true,
    });
    for (const words of [
      '222222222222',
      'us-east-1',
      'demo/web',
      'alarm check failed',
      ALARM_FIRED.evidence,
      previous,
    ]) {
      expect(result.cause).toContain(words);
    }
    expect(updateServiceCalls()).toBe(updatesBefore + 1);
    expect((await live(dev)).taskDefinitionArn).toBe(previous);
  });

  it('starts a rollout of the previous revision that the rollout check then sees complete', async () => {
    const { taskDefinitionArn: previous } = await seeded(dev);
    const deployment = targetDeployment(dev);
    const { revision, progress } = await startRollout(deployment);
    await rollOutToTheEnd(deployment, revision.taskDefinitionArn, progress);

    const rolledBack = await rollBack(deployment, previous);
    const settled = await rollOutToTheEnd(deployment, previous, rolledBack);

    expect(settled.state).toBe('COMPLETED');
    expect(settled.summary).toContain('web:1');
  });

  it('updates nothing and says so when ECS already rolled back by itself', async () => {
    const { taskDefinitionArn: previous } = await seeded(dev);
    moto.scheduler().injectFault(dev, { kind: 'circuit-breaker' });
    const deployment = targetDeployment(dev);
    const { revision, progress } = await startRollout(deployment);
    const seen = await rollOutToTheEnd(deployment, revision.taskDefinitionArn, progress);
    expect(seen.state).toBe('ROLLED_BACK_BY_ECS');
    const updatesBefore = updateServiceCalls();

    const result = await rollBack(deployment, previous, seen.failure as FailureEvidence);

    expect(result.updated).toBe(false);
    expect(result.summary).toBe('ECS already rolled back; waiting for it to settle');
    expect(result.cause).toContain('circuit-breaker check failed');
    expect(result.cause).toMatch(/circuit breaker/i);
    expect(updateServiceCalls()).toBe(updatesBefore);
    expect((await live(dev)).taskDefinitionArn).toBe(previous);
  });

  it('fails with ServiceNotFound when the service to roll back is gone', async () => {
    const { taskDefinitionArn: previous } = await seeded(dev);

    await expect(rollBack(targetDeployment({ ...dev, service: 'api' }), previous)).rejects.toMatchObject({
      name: 'ServiceNotFound',
    });
  });
});
