// Reads a failed child execution out of a Catch output: the innermost error and cause, or the status of a child
// that ended without one. A cause cut at 32,768 characters loses the child's own error, so the child's
// description is asked for then. Reads whatever it is given and never fails on it.

import type { CaughtFailure } from '../core/contracts';
import { boundedJson, innermostFailure, MAX_EXPLAINED_ERROR, nestedExecution } from '../core/failure';
import { describeIfExists, type SfnLike } from './executions';

/** What a target's or an environment's failure cause may weigh (bytes of JSON) in the state that carries it. */
export const MAX_EXPLAINED_CAUSE = 2_048;

export interface FailureToExplain {
  failure: CaughtFailure;
  /** Where many failures travel together (a wave's outcomes), each keeps less of its cause. */
  maxCause?: number | undefined;
}

export interface ExplainedFailure {
  /** Shaped like the child's description: `Error` and `Cause` when it named them, `Status` when it ended without. */
  execution: { Error?: string; Cause?: string; Status?: string };
}

/** Told when the child cannot be described, so the step can log it; the explanation then rests on the cause. */
export type Warn = (message: string, fields: Record<string, unknown>) => void;

export async function explainFailure(
  event: FailureToExplain,
  sfn: SfnLike,
  warn: Warn = () => {},
): Promise<ExplainedFailure> {
  const { Error: error, Cause: cause } = event.failure;
  const nested = nestedExecution(cause);
  let described: { error?: string; cause?: string; status?: string } | undefined;
  if (nested?.truncated && nested.executionArn) {
    // The description was cut before the child's own error: ask Step Functions for it.
    described = await describeChild(sfn, nested.executionArn, warn);
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

async function describeChild(sfn: SfnLike, executionArn: string, warn: Warn) {
  try {
    const described = await describeIfExists(sfn, executionArn);
    if (!described) return undefined;
    return {
      ...(described.error ? { error: described.error } : {}),
      ...(described.cause ? { cause: described.cause } : {}),
      ...(described.status ? { status: described.status } : {}),
    };
  } catch (e) {
    warn('cannot describe the failed execution; explaining what the cause says', {
      executionArn,
      error: (e as Error).name,
    });
    return undefined;
  }
}
