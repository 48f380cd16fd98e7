// A Step Functions failure arrives wrapped: a nested execution's DescribeExecution in the Cause of a
// `startExecution.sync:2` task, a Lambda's `{errorType, errorMessage, trace}`, several levels deep. Operators need
// the innermost error and cause, which the wave verdicts, the notices, the ledger and the timelines all report,
// and the notices and timelines in plain words.
//
// A Cause is capped at 32,768 characters
// (https://docs.aws.amazon.com/step-functions/latest/apireference/API_TaskFailedEventDetails.html), so a nested
// execution's description, which includes its input, often arrives cut off: nothing here may throw on it.

import * as errors from './errors';
import { isObject } from './json';
import { payloadBytes } from './step-functions-limits';

const MAX_NESTING = 16;

export interface Failure {
  error: string | null;
  cause: string | null;
}

/** What a nested execution's description says about itself, when the Cause is one (even a cut-off one). */
export interface NestedExecution {
  executionArn: string | null;
  status: string | null;
  /** The description ends before its own error and cause: only a DescribeExecution can tell them. */
  truncated: boolean;
}

/** The innermost error and cause of a failure, every wrapper (nested execution, Lambda) peeled off. */
export function innermostFailure(error: string | null | undefined, cause: string | null | undefined): Failure {
  let current: Failure = { error: text(error), cause: text(cause) };
  for (let depth = 0; depth < MAX_NESTING; depth++) {
    const fields = wrapperFields(current.cause);
    if (fields === undefined) break;
    const innerError = fields.error;
    const innerCause = fields.cause;
    if (innerError === null && innerCause === null) {
      const status = fields.status;
      if (status === null) {
        // A wrapper whose error and cause were cut off: say so rather than show the JSON.
        if (fields.truncated) current = { error: current.error, cause: 'the cause was cut off before it said why' };
        break;
      }
      // An aborted or timed-out child execution has a status and no error.
      current = { error: current.error, cause: `a nested execution ended ${status}` };
      break;
    }
    current = { error: innerError ?? current.error, cause: innerCause };
  }
  if (current.cause !== null) current = { error: current.error, cause: withoutStackTrace(current.cause) };
  return current;
}

/** Long enough for a wave's per-target causes, short enough for a chat message and an e-mail's first screen. */
export const REASON_MAX_CHARS = 1000;

/**
 * What the errors a workflow can end with mean, for someone who did not write them: each error class's own
 * `meaning`, then the errors no class throws (Step Functions' own, and the ones the workflows raise by name: a
 * Fail state, a wave's verdict, a task token failed by the approval).
 */
const MEANING = new Map<string, string>([
  ...Object.values(errors).flatMap((value) =>
    'meaning' in value ? [[value.errorName, value.meaning] as [string, string]] : [],
  ),
  ['WaveFailed', 'A wave failed beyond its tolerance'],
  ['ApprovalTimedOut', 'No approver decided in time'],
  ['EnvironmentNotCompleted', 'The environment deployment ended without completing'],
  ['States.Timeout', 'A step timed out'],
  ['States.TaskFailed', 'A task failed'],
  ['States.Runtime', 'The workflow hit a runtime error'],
  ['States.HeartbeatTimeout', 'A step stopped sending heartbeats'],
  ['ApprovalRejected', 'An approver rejected it'],
  ['Superseded', 'A newer commit superseded it'],
  ['LeaseHeld', 'Another deployment of the environment was still running'],
]);

/**
 * One readable sentence from a Step Functions error and cause. A nested execution's failure arrives as the
 * JSON of its description (`{"Error": ..., "Cause": "<more JSON>"}`), a Lambda's as `{errorType,
 * errorMessage}`, nested as deep as the workflows are: the innermost error and cause are the ones that say
 * what went wrong.
 */
export function failureInPlainWords(error: string | null | undefined, cause: string | null | undefined): string {
  const inner = innermostFailure(error ?? undefined, cause ?? undefined);
  const why = inner.cause === null ? '' : oneLine(inner.cause);
  return asSentence(plainWords(inner.error, why));
}

function plainWords(error: string | null, why: string): string {
  if (error === null) return why || 'Failed without saying why';
  // These causes already read as a sentence about the approval: "rejected by Grace: not on a Friday".
  if (error === 'ApprovalRejected' && /^rejected by /i.test(why)) return `Approval ${why}`;
  if (error === 'Superseded' && /^superseded by /i.test(why)) return `Superseded ${why.slice('superseded '.length)}`;
  const meaning = MEANING.get(error);
  if (meaning === undefined) return why ? `${error}: ${why}` : `Failed with ${error}`;
  return why ? `${meaning} (${error}): ${why}` : `${meaning} (${error})`;
}

/** Words as one sentence a person reads: capitalized, ending in a full stop, cut to REASON_MAX_CHARS. */
export function asSentence(words: string): string {
  const clipped = words.length > REASON_MAX_CHARS ? `${words.slice(0, REASON_MAX_CHARS - 3).trimEnd()}...` : words;
  const capitalized = clipped.charAt(0).toUpperCase() + clipped.slice(1);
  return /[.!?]$/.test(capitalized) ? capitalized : `${capitalized}.`;
}

/** Every run of whitespace, line breaks included, as one space: a reason fits a table cell or a subject. */
export function oneLine(value: string): string {
  return value.replace(/\s+/g, ' ').trim();
}

/** Whether a Cause is a nested execution's description, and what of it survived a cut. */
export function nestedExecution(cause: string | null | undefined): NestedExecution | undefined {
  const value = text(cause);
  if (value === null || !value.trimStart().startsWith('{')) return undefined;
  const parsed = jsonObject(value);
  if (parsed) {
    const executionArn = text(parsed.ExecutionArn ?? parsed.executionArn);
    if (executionArn === null) return undefined;
    return { executionArn, status: text(parsed.Status ?? parsed.status), truncated: false };
  }
  const executionArn = stringField(value, ['ExecutionArn', 'executionArn']);
  if (executionArn === null) return undefined;
  const hasError = stringField(value, ['Error', 'error']) !== null;
  return { executionArn, status: stringField(value, ['Status', 'status']), truncated: !hasError };
}

/** A failure's text cut to `max` characters, saying so, for states that must stay small. */
export function bounded(value: string, max: number): string {
  if (value.length <= max) return value;
  const note = ' … (cut)';
  return `${value.slice(0, max - note.length)}${note}`;
}

/** An error name is a class or code name: a longer one is cut (bytes of JSON), so a failure's weight stays known. */
export const MAX_EXPLAINED_ERROR = 128;

/**
 * A failure's text cut, saying so, until it weighs at most `maxBytes` as a JSON string in UTF-8: what Step
 * Functions counts against a state's payload, where quotes, escapes and non-ASCII letters weigh more than one.
 */
export function boundedJson(value: string, maxBytes: number): string {
  if (payloadBytes(value) <= maxBytes) return value;
  let low = 0;
  let high = value.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (payloadBytes(bounded(value, mid)) <= maxBytes) low = mid;
    else high = mid - 1;
  }
  return bounded(value, low);
}

function wrapperFields(
  cause: string | null,
): { error: string | null; cause: string | null; status: string | null; truncated: boolean } | undefined {
  if (cause === null) return undefined;
  const json = jsonStart(cause);
  if (json === undefined) return undefined;
  const parsed = jsonObject(json);
  if (parsed) {
    return {
      error: text(parsed.Error ?? parsed.error ?? parsed.errorType),
      cause: text(parsed.Cause ?? parsed.cause ?? parsed.errorMessage),
      status: text(parsed.Status ?? parsed.status),
      truncated: false,
    };
  }
  // Cut-off or otherwise broken JSON: read the fields that are whole, and never throw.
  const error = stringField(json, ['Error', 'error', 'errorType']);
  const inner = stringField(json, ['Cause', 'cause', 'errorMessage']);
  const status = stringField(json, ['Status', 'status']);
  if (error === null && inner === null && status === null && !json.includes('"')) return undefined;
  return { error, cause: inner, status, truncated: true };
}

/** The JSON a cause is or ends with: `{...}`, or `Name: {...}` as `States.Format('{}: {}', Error, Cause)` writes it. */
function jsonStart(value: string): string | undefined {
  const trimmed = value.trimStart();
  if (trimmed.startsWith('{')) return trimmed;
  const prefixed = /^[\w.-]+: (\{[\s\S]*)$/.exec(trimmed);
  return prefixed?.[1];
}

/**
 * The first string value of one of `keys` in (possibly broken) JSON text: a whole one, or else one the cut ran
 * through, marked as cut.
 */
function stringField(json: string, keys: string[]): string | null {
  for (const key of keys) {
    const match = new RegExp(`"${key}"\\s*:\\s*"((?:[^"\\\\]|\\\\.)*)"`).exec(json);
    const value = match ? decoded(match[1] ?? '') : null;
    if (value !== null) return value;
  }
  for (const key of keys) {
    const cut = new RegExp(`"${key}"\\s*:\\s*"((?:[^"\\\\]|\\\\.)*)\\\\?[^"]*$`).exec(json);
    const value = cut ? decoded(cut[1] ?? '') : null;
    if (value !== null) return `${value} …`;
  }
  return null;
}

function decoded(jsonStringBody: string): string | null {
  try {
    return text(JSON.parse(`"${jsonStringBody}"`));
  } catch {
    return null;
  }
}

/** A message's lines up to the first stack frame: Lambda's `trace` and Node's `stack` are not for operators. */
function withoutStackTrace(value: string): string {
  const lines = value.split('\n');
  const frame = lines.findIndex((line) => /^\s+at\s/.test(line));
  return frame <= 0 ? value : lines.slice(0, frame).join('\n').trimEnd();
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function jsonObject(value: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(value);
    return isObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}
