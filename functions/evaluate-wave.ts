import { z } from 'zod';
import type { TargetOutcome } from '../core/types';
import { evaluateWave, outcomeFromFailure } from '../core/wave';
import { lambdaStep } from './lib/lambda-step';
import { logger } from './lib/powertools';
import { deployTarget } from './lib/schemas';

const succeeded = z.object({
  succeeded: z.literal(true),
  target: deployTarget,
  taskDefinitionArn: z.string(),
  previousTaskDefinitionArn: z.string(),
});
const failed = z.object({
  succeeded: z.literal(false),
  target: deployTarget,
  failure: z.looseObject({ Error: z.string().optional(), Cause: z.string().optional() }),
});

const input = z.object({
  environment: z.string(),
  waveNumber: z.number().int().min(0),
  failureTolerance: z.number().int().min(0),
  outcomes: z.array(z.discriminatedUnion('succeeded', [succeeded, failed])),
});

/** Decides whether a wave stands or falls as a whole, and which of its targets to roll back. */
export async function judgeWave(event: z.infer<typeof input>) {
  const outcomes: TargetOutcome[] = event.outcomes.map((o) =>
    o.succeeded
      ? {
          target: o.target,
          succeeded: true,
          taskDefinitionArn: o.taskDefinitionArn,
          previousTaskDefinitionArn: o.previousTaskDefinitionArn,
        }
      : outcomeFromFailure(o.target, o.failure),
  );
  const label = `${event.waveNumber + 1} of ${event.environment}`;
  const verdict = evaluateWave(outcomes, event.failureTolerance, label);
  logger.info('wave evaluated', { wave: label, failed: verdict.failed, summary: verdict.summary });
  return verdict;
}

export const handler = lambdaStep('evaluate-wave', input, judgeWave);
