import { z } from 'zod';
import { describeService } from '../aws/ecs-service';
import { type TargetClientFactory, targetClientFactory } from '../aws/target-clients';
import { checkLoop, deployRole, deployTarget, type FailureEvidence, type Progress, progress } from '../core/contracts';
import { rolloutVerdict } from '../core/rollout';
import { rolloutEnded } from '../core/target-waits';
import { lambdaStep } from './lib/lambda-step';
import { logger } from './lib/powertools';

const input = z.object({
  target: deployTarget,
  deployRole,
  taskDefinitionArn: z.string().min(1),
  rollout: checkLoop,
  progress,
});

/**
 * One check of a rollout: the verdict over one DescribeServices snapshot. A rollback's wait loop checks on each
 * turn of its Wait state; a deploy checks when no event came in time, or to read why ECS failed a deployment.
 * Running out of checks turns a rollout still in progress into a failure with the last snapshot as evidence.
 */
export async function checkRollout(
  event: z.infer<typeof input>,
  clients: TargetClientFactory = targetClientFactory(),
): Promise<Progress> {
  const { target } = event;
  const service = await describeService(clients(target, event.deployRole).ecs, target);
  const verdict = rolloutVerdict(service, {
    taskDefinitionArn: event.taskDefinitionArn,
    since: event.progress.startedAt,
  });
  const checksLeft = event.progress.rolloutChecksLeft - 1;
  logger.info('rollout check', {
    account: target.account,
    region: target.region,
    state: verdict.state,
    summary: verdict.summary,
  });
  const next: Progress = {
    ...event.progress,
    rolloutChecksLeft: checksLeft,
    state: verdict.state,
    summary: verdict.summary,
  };
  delete next.failure;
  if (verdict.failure) return { ...next, failure: withEcsReason(verdict.failure, event.progress) };
  if (verdict.state === 'IN_PROGRESS' && checksLeft <= 0) {
    const { checks, intervalSeconds } = event.rollout;
    const evidence = `rollout not complete within ${checks * intervalSeconds}s: ${verdict.summary}`;
    return { ...next, state: 'FAILED', failure: { check: 'timeout', evidence } };
  }
  return rolloutEnded(next);
}

/**
 * ECS's own reason from the event that failed the deployment, before what the service shows now: once ECS has
 * rolled back, the failed deployment and its reason are gone from DescribeServices.
 */
function withEcsReason(failure: FailureEvidence, before: Progress): FailureEvidence {
  const reason = before.state === 'ECS_FAILED' ? before.failure?.evidence : undefined;
  if (reason === undefined || failure.evidence.includes(reason)) return failure;
  return { ...failure, evidence: `${reason}; ${failure.evidence}` };
}

export const handler = lambdaStep('check-rollout', input, (event) => checkRollout(event));
