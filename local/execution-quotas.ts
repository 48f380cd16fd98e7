// The Step Functions quotas a local execution is held to as it runs: AWS fails an execution that breaks one
// whatever its Catch and Retry say, so a workflow that would break one in AWS must fail locally too.
import { MAX_CAUSE_CHARS, MAX_HISTORY_EVENTS, MAX_PAYLOAD_BYTES, payloadBytes } from '../core/step-functions-limits';
import type { ExecutionRecord } from './step-functions';
import type { EngineHandler } from './task-bindings';

// One engine event becomes at most this many events of AWS's history (a nested task's StateEntered is
// TaskStateEntered, TaskScheduled, TaskStarted and TaskSubmitted), so the history is counted only when it could
// have reached the limit.
const AWS_EVENTS_PER_ENGINE_EVENT = 4;

/** A broken quota: the error and cause the execution fails with. */
export interface QuotaBreach {
  error: string;
  cause: string;
}

/** A task failure's Cause as Step Functions keeps it. */
export function failureCause(cause: string): string {
  return cause.slice(0, MAX_CAUSE_CHARS);
}

export function payloadBreach(what: string, payload: unknown): QuotaBreach | undefined {
  return sizeBreach(what, payloadBytes(payload));
}

function sizeBreach(what: string, size: number): QuotaBreach | undefined {
  if (size <= MAX_PAYLOAD_BYTES) return undefined;
  return {
    error: 'States.DataLimitExceeded',
    cause: `${what} is ${size} bytes, more than the ${MAX_PAYLOAD_BYTES} bytes Step Functions allows a payload`,
  };
}

/**
 * The size of a state's output, for an event that ends a state: a state whose output is over the payload quota
 * ends the execution, as States.DataLimitExceeded does.
 */
export function stateOutput(event: {
  type: string;
  state?: unknown;
}): { bytes: number; breach: QuotaBreach | undefined } | undefined {
  if (event.type !== 'StateExited') return undefined;
  const { name, output } = event.state as { name: string; output: unknown };
  const bytes = payloadBytes(output);
  return { bytes, breach: sizeBreach(`the output of state "${name}"`, bytes) };
}

/** Holds one execution's history to 25,000 events, counting AWS's history only when it could have reached them. */
export class HistoryQuota {
  private countAt = Math.ceil(MAX_HISTORY_EVENTS / AWS_EVENTS_PER_ENGINE_EVENT);

  /**
   * Checks the history once the engine has recorded `engineEvents`, the last of type `type`; `count` gives
   * the history as GetExecutionHistory would. Anything but the execution's success as its 25,000th event
   * breaks the quota.
   */
  check(engineEvents: number, type: string, count: () => number): QuotaBreach | undefined {
    if (engineEvents < this.countAt) return undefined;
    const counted = count();
    if (counted < MAX_HISTORY_EVENTS) {
      this.countAt =
        engineEvents + Math.max(1, Math.floor((MAX_HISTORY_EVENTS - counted) / AWS_EVENTS_PER_ENGINE_EVENT));
      return undefined;
    }
    this.countAt = Number.POSITIVE_INFINITY;
    if (counted === MAX_HISTORY_EVENTS && type === 'ExecutionSucceeded') return undefined;
    // The error name is not documented; the cause is the words Step Functions ends such an execution with.
    return {
      error: 'States.Runtime',
      cause: `The execution reached the maximum number of history events (${MAX_HISTORY_EVENTS}).`,
    };
  }
}

/**
 * Holds every task to the payload quota: its Parameters' result going in and its result coming out. Before a
 * task starts, the engine's events so far are recorded, so a state before it that broke a quota has ended the
 * execution by then.
 */
export function limitTaskPayloads(
  handlers: Record<string, EngineHandler>,
  execution: () => ExecutionRecord,
  enforce: (record: ExecutionRecord, breach: QuotaBreach | undefined) => void,
): Record<string, EngineHandler> {
  const limited: Record<string, EngineHandler> = {};
  for (const [state, handler] of Object.entries(handlers)) {
    limited[state] = async (input) => {
      await new Promise((resolve) => setImmediate(resolve));
      const record = execution();
      enforce(record, payloadBreach(`the input of task "${state}"`, input));
      if (record.status !== 'RUNNING') throw quotaEnded(record);
      const output = await handler(input);
      enforce(record, payloadBreach(`the result of task "${state}"`, output));
      if (record.status !== 'RUNNING') throw quotaEnded(record);
      return output;
    };
  }
  return limited;
}

/** What a task of an execution that has already ended throws: the engine's run is being stopped anyway. */
function quotaEnded(record: ExecutionRecord): Error {
  return Object.assign(new Error(record.cause ?? `the execution ended ${record.status}`), {
    name: record.error ?? 'States.Aborted',
  });
}
