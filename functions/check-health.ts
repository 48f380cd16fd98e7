import { z } from 'zod';
import { describeService } from '../aws/ecs-service';
import { type TargetClientFactory, targetClientFactory } from '../aws/target-clients';
import { deployRole, deployTarget, healthChecks, type Progress, progress } from '../core/contracts';
import { healthVerdict } from '../core/health';
import { bakeTurnTaken } from '../core/target-waits';
import { httpProbe, type Probe, probeOnce, readAlarms } from './lib/health-reads';
import { lambdaStep } from './lib/lambda-step';
import { logger } from './lib/powertools';

const input = z.object({
  target: deployTarget,
  deployRole,
  taskDefinitionArn: z.string().min(1),
  health: healthChecks,
  progress,
});

/**
 * A check of the bake, when its wait ran out with no alarm: the alarms are out of ALARM, the service is steady, the
 * probe answers. With bake time left (a bake longer than the safety net's wait), the bake waits again.
 */
export async function checkHealth(
  event: z.infer<typeof input>,
  clients: TargetClientFactory = targetClientFactory(),
  probe: Probe = httpProbe,
): Promise<Progress> {
  const { target, health } = event;
  const { ecs, cloudwatch } = clients(target, event.deployRole);
  const where = `${target.account}/${target.region}`;
  const [alarms, service, probed] = await Promise.all([
    readAlarms(cloudwatch, where, health.alarms),
    describeService(ecs, target),
    probeOnce(probe, health.probeUrl),
  ]);
  const verdict = healthVerdict({
    expectedAlarms: health.alarms,
    alarms,
    service,
    taskDefinitionArn: event.taskDefinitionArn,
    ...(probed ? { probe: probed } : {}),
  });
  const clock = bakeTurnTaken(event.progress);
  logger.info('bake check', { where, state: verdict.state, summary: verdict.summary, ...clock });
  const next: Progress = { ...event.progress, ...clock, state: verdict.state, summary: verdict.summary };
  delete next.failure;
  return verdict.failure ? { ...next, failure: verdict.failure } : next;
}

export const handler = lambdaStep('check-health', input, (event) => checkHealth(event));
