// How a failed pipeline ends: every failure the pipeline catches (a rejected or timed-out approval, an
// environment that failed, was rolled back or could not start) leaves through one exit, which names the
// failure the same way in the notice, the ledger's readers and the execution's own error and cause.

import type { CaughtFailure } from './contracts';

/** A failed child execution, read through its wrappers (aws/failure-explanation.ts). */
export interface ExplainedChild {
  Error?: string | undefined;
  Cause?: string | undefined;
  /** The child's status when it ended without an error of its own (aborted, timed out). */
  Status?: string | undefined;
}

export interface PipelineExit {
  /** The notice it announces. */
  event: 'failed' | 'rolled-back';
  error: string;
  cause: string;
}

export const APPROVAL_TIMED_OUT_CAUSE =
  "no approver decided before the environment's approval timeout; nothing was deployed";

/** Errors that mean the environment was put back as it was: the notice says "rolled back", not "failed". */
const ROLLED_BACK = new Set(['DeploymentRolledBack', 'WaveFailed']);

/** Whether the caught failure is a child execution's own failure, which only its description explains. */
export const isChildFailure = (caught: CaughtFailure): boolean => caught.Error === 'States.TaskFailed';

export function pipelineExit(caught: CaughtFailure, child?: ExplainedChild): PipelineExit {
  const failed = (error: string, cause: string | undefined): PipelineExit => ({
    event: ROLLED_BACK.has(error) ? 'rolled-back' : 'failed',
    error,
    cause: cause ?? 'no cause was given',
  });
  // The approval wait is the pipeline's only task with a timeout (TimeoutSecondsPath of "Ask for approval").
  if (caught.Error === 'States.Timeout') return failed('ApprovalTimedOut', APPROVAL_TIMED_OUT_CAUSE);
  if (!isChildFailure(caught) || child === undefined) return failed(caught.Error ?? 'States.Runtime', caught.Cause);
  if (child.Error !== undefined && child.Cause !== undefined) return failed(child.Error, child.Cause);
  if (child.Status !== undefined) return failed('EnvironmentNotCompleted', child.Status);
  return failed(caught.Error ?? 'States.TaskFailed', caught.Cause);
}
