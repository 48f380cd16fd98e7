// Step Functions quotas that crossdeploy's workflows can run into, shared by the map's validation and the
// local engine that enforces them.

/**
 * An inline Map runs at most 40 iterations at a time, whatever its MaxConcurrency asks for
 * (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-asl-use-map-state-inline.html).
 */
export const MAX_INLINE_MAP_CONCURRENCY = 40;

/**
 * A Distributed Map runs up to 10,000 child executions at once
 * (https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html).
 */
export const MAX_DISTRIBUTED_CONCURRENCY = 10_000;

/**
 * A state's input (after Parameters), its output, a task's result and an execution's input may each hold at
 * most 256 KiB as UTF-8 JSON; past that the execution fails with States.DataLimitExceeded, which no
 * `States.ALL` Catch can catch (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html,
 * https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html).
 */
export const MAX_PAYLOAD_BYTES = 262_144;

/**
 * An execution's history holds at most 25,000 events; an execution whose 25,000th event is not its success
 * fails (https://docs.aws.amazon.com/step-functions/latest/dg/bp-history-limit.html).
 */
export const MAX_HISTORY_EVENTS = 25_000;

/**
 * A failure's cause holds at most 32,768 characters, whether a task failed or SendTaskFailure named it; Step
 * Functions cuts a longer one without regard for JSON
 * (https://docs.aws.amazon.com/step-functions/latest/apireference/API_TaskFailedEventDetails.html,
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskFailure.html).
 */
export const MAX_CAUSE_CHARS = 32_768;

/** The size Step Functions measures a payload by: its JSON text in UTF-8. */
export function payloadBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value ?? null), 'utf8');
}
