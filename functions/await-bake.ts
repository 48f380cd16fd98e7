// The bake's `.waitForTaskToken` task: parks the token for the environment's alarms in the target
// (functions/resume-target-wait.ts ends it on the first ALARM), then reads them once: CloudWatch sends an event
// only when an alarm changes state, so one already in ALARM when the bake starts would never send one.

import { z } from 'zod';
import { endWait, parkWait } from '../aws/target-waits';
import { deployRole, deployTarget, healthChecks, progress } from '../core/contracts';
import { alarmFailure, unhealthy } from '../core/health';
import { type AwaitDeps, awaitDeps } from './await-rollout';
import { readAlarms } from './lib/health-reads';
import { lambdaStep } from './lib/lambda-step';
import { logger } from './lib/powertools';

const input = z.object({
  taskToken: z.string().min(1),
  executionArn: z.string().min(1),
  target: deployTarget,
  deployRole,
  health: healthChecks,
  progress,
});

export async function awaitBake(event: z.infer<typeof input>, deps: AwaitDeps = {}): Promise<{ parked: boolean }> {
  const { clients, dynamo, sfn, waitsTable, now } = awaitDeps(deps);
  const { target, health } = event;
  const wait = await parkWait(dynamo, waitsTable(), {
    kind: 'bake',
    target,
    alarms: [...new Set(health.alarms)],
    progress: event.progress,
    taskToken: event.taskToken,
    executionArn: event.executionArn,
    now: now(),
  });
  const where = `${target.account}/${target.region}`;
  const failure = alarmFailure(
    health.alarms,
    await readAlarms(clients(target, event.deployRole).cloudwatch, where, health.alarms),
  );
  logger.info('baking', { where, alarms: health.alarms.length, secondsLeft: event.progress.bakeSecondsLeft, failure });
  if (failure === undefined) return { parked: true };
  const { state, summary } = unhealthy(failure);
  await endWait(dynamo, sfn, waitsTable(), wait, { ...event.progress, state, summary, failure }, 'check');
  return { parked: false };
}

export const handler = lambdaStep('await-bake', input, (event) => awaitBake(event));
