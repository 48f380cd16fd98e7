// A workflow step that turns a Catch output into a small, plain error and cause. Step Functions' Pass states
// cannot catch a `States.StringToJson` that fails on a cut-off Cause, so the workflows hand every nested
// failure to this step, which reads whatever it is given and never fails on it.

import { z } from 'zod';
import { describeIfExists, type SfnLike } from '../aws/executions';
import { boundedJson, innermostFailure, MAX_EXPLAINED_ERROR, nestedExecution } from '../core/failure';
import { sharedSfnClient } from './lib/clients';
import { lambdaStep } from './lib/lambda-step';
import { logger } from './lib/powertools';

/** What a target's or an environment's failure cause may weigh (bytes of JSON) in the state that carries it. */
export const MAX_EXPLAINED_CAUSE = 2_048;

const input = z.object({
  failure: z.looseObject({ Error: z.string().optional(), Cause: z.string().optional() }),
  /** Where many failures travel together (a wave's outcomes), each keeps less of its cause. */
  maxCause: z.number().int().min(64).max(MAX_EXPLAINED_CAUSE).optional(),
});

export interface ExplainedFailure {
  /** Shaped like the child's description: `Error` and `Cause` when it named them, `Status` when it ended without. */
  execution: { Error?: string; Cause?: string; Status?: string };
}

export async function explainFailure(
  event: z.infer<typeof input>,
  sfn: SfnLike = sharedSfnClient(),
): Promise<ExplainedFailure> {
  const { Error: error, Cause: cause } = event.failure;
  const nested = nestedExecution(cause);
  let described: { error?: string; cause?: string; status?: string } | undefined;
  if (nested?.truncated && nested.executionArn) {
    // The description was cut before the child's own error: ask Step Functions for it.
    described = await describeChild(sfn, nested.executionArn);
  }
  const status = described?.status ?? nested?.status ?? undefined;
  // No outer error here, so that what the child (or the Lambda) named can be told from the task's own error.
  const inner = described ? innermostFailure(described.error, described.cause) : innermostFailure(null, cause);
  if (inner.error === null && nested && status && status !== 'FAILED') return { execution: { Status: status } };
  return {
    execution: {
      Error: boundedJson(inner.error ?? error ?? 'States.TaskFailed', MAX_EXPLAINED_ERROR),
      Cause: boundedJson(inner.cause ?? 'no cause was given', event.maxCause ?? MAX_EXPLAINED_CAUSE),
      ...(status ? { Status: status } : {}),
    },
  };
}

async function describeChild(sfn: SfnLike, executionArn: string) {
  try {
    const described = await describeIfExists(sfn, executionArn);
    if (!described) return undefined;
    return {
      ...(described.error ? { error: described.error } : {}),
      ...(described.cause ? { cause: described.cause } : {}),
      ...(described.status ? { status: described.status } : {}),
    };
  } catch (e) {
    logger.warn('cannot describe the failed execution; explaining what the cause says', {
      executionArn,
      error: (e as Error).name,
    });
    return undefined;
  }
}

export const handler = lambdaStep('explain-failure', input, (event) => explainFailure(event));
