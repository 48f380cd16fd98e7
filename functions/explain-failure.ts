// deploy-environment's "Read target failure": a failed target execution's Catch output turned into the target's
// small outcome for its wave. Step Functions' Pass states cannot catch a `States.StringToJson` that fails on a
// cut-off Cause, so every target failure is read here, in TypeScript, which never fails on what it is given.

import { z } from 'zod';
import type { SfnLike } from '../aws/executions';
import { explainFailure, MAX_EXPLAINED_CAUSE } from '../aws/failure-explanation';
import { caughtFailure } from '../core/contracts';
import { sharedSfnClient } from './lib/clients';
import { lambdaStep } from './lib/lambda-step';
import { logger } from './lib/powertools';

const input = z.object({
  failure: caughtFailure,
  /** Where many failures travel together (a wave's outcomes), each keeps less of its cause. */
  maxCause: z.number().int().min(64).max(MAX_EXPLAINED_CAUSE).optional(),
});

/**
 * A failed target as evaluate-wave reads it: the error and cause the target named, or, for an execution that
 * ended without one (timed out, aborted), its status, so the wave asks the ledger whether it had begun to update
 * its service.
 */
export interface FailedTargetOutcome {
  succeeded: false;
  failure: { Error: string; Cause?: string; Status?: string };
}

export async function readTargetFailure(
  event: z.infer<typeof input>,
  sfn: SfnLike = sharedSfnClient(),
): Promise<FailedTargetOutcome> {
  const { execution } = await explainFailure(event, sfn, (message, fields) => logger.warn(message, fields));
  if (execution.Error !== undefined && execution.Cause !== undefined) {
    return { succeeded: false, failure: { Error: execution.Error, Cause: execution.Cause } };
  }
  const error = event.failure.Error ?? 'States.TaskFailed';
  return { succeeded: false, failure: { Error: error, ...(execution.Status ? { Status: execution.Status } : {}) } };
}

export const handler = lambdaStep('explain-failure', input, (event) => readTargetFailure(event));
