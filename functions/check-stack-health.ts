// One check of a stack's bake (deploy-stack's "Check stack health during bake"): the environment's alarms in the
// target stay out of ALARM and its probe answers. An unhealthy answer carries the evidence the rollback names.

import { z } from 'zod';
import { type TargetClientFactory, targetClientFactory } from '../aws/target-clients';
import { deployRole, type FailureEvidence, healthChecks, stackTarget } from '../core/contracts';
import { stackHealthVerdict } from '../core/health';
import { httpProbe, type Probe, probeOnce, readAlarms } from './lib/health-reads';
import { lambdaStep } from './lib/lambda-step';
import { logger } from './lib/powertools';

const input = z.object({
  target: stackTarget,
  deployRole,
  health: healthChecks,
  bake: z.object({ checksLeft: z.number().int().min(1) }),
});

export interface StackBake {
  checksLeft: number;
  state: 'HEALTHY' | 'UNHEALTHY';
  summary: string;
  failure?: FailureEvidence;
}

export async function checkStackHealth(
  event: z.infer<typeof input>,
  clients: TargetClientFactory = targetClientFactory(),
  probe: Probe = httpProbe,
): Promise<StackBake> {
  const { target, health } = event;
  const { cloudwatch } = clients(target, event.deployRole);
  const where = `${target.account}/${target.region}`;
  const [alarms, probed] = await Promise.all([
    readAlarms(cloudwatch, where, health.alarms),
    probeOnce(probe, health.probeUrl),
  ]);
  const verdict = stackHealthVerdict({
    expectedAlarms: health.alarms,
    alarms,
    stackName: target.stackName,
    ...(probed ? { probe: probed } : {}),
  });
  const checksLeft = event.bake.checksLeft - 1;
  logger.info('stack bake check', { where, stack: target.stackName, state: verdict.state, checksLeft });
  const bake: StackBake = { checksLeft, state: verdict.state, summary: verdict.summary };
  return verdict.failure ? { ...bake, failure: verdict.failure } : bake;
}

export const handler = lambdaStep('check-stack-health', input, (event) => checkStackHealth(event));
