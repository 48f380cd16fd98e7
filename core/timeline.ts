// One execution, state by state: what `crossdeploy history` prints and the local console shows. Pure: it
// reads GetExecutionHistory's events as AWS returns them, so the local runtime's history goes through the
// same reading as AWS's.

import { failureInPlainWords, innermostFailure } from './failure';

/**
 * - `succeeded`: the state exited normally; `failed`: it failed and ended the execution;
 * - `caught`: it failed and a Catch moved on; `retried`: this attempt failed and a Retry ran the state again
 *   (the next attempt is the next row); `running`: not over yet;
 * - `aborted`: the execution was stopped (or another branch failed it) while this state ran.
 */
export type VisitOutcome = 'succeeded' | 'failed' | 'caught' | 'retried' | 'running' | 'aborted';

/** One visit of one state (one attempt, when it was retried). Fixed key order: `--json` prints it as is. */
export interface TimelineRow {
  state: string;
  /** The state's type, as Step Functions names it: `Task`, `Choice`, `Map`, `Pass`, `Wait`, `Fail`, ... */
  type: string;
  /** ISO 8601. */
  enteredAt: string;
  exitedAt: string | null;
  durationMs: number | null;
  outcome: VisitOutcome;
  /** The error this visit failed with (failed, caught, retried); null otherwise. */
  error: string | null;
  /** The nested execution this visit started (`startExecution.sync`), whatever its outcome. */
  childExecutionArn: string | null;
}

export interface ExecutionFailure {
  /** The innermost error: nested executions and Lambda wrappers peeled off. */
  error: string | null;
  /** The innermost cause, as the step that failed wrote it. */
  cause: string | null;
  /** One or two sentences for a person. */
  inPlainWords: string;
}

export interface Timeline {
  rows: TimelineRow[];
  /** Why the execution failed, timed out or was stopped; null while it runs and when it succeeded. */
  failure: ExecutionFailure | null;
  /** Nested executions the rows started, in the order they were started. */
  children: string[];
  /** The Map Runs of its Distributed Maps, whose children ListExecutions lists by the Map Run's ARN. */
  mapRuns: string[];
}

interface Details {
  name?: string | undefined;
  error?: string | undefined;
  cause?: string | undefined;
  output?: string | undefined;
}

/** One event of GetExecutionHistory, as the SDK returns it: the fields the timeline reads. */
export interface HistoryEventLike {
  id?: number | undefined;
  previousEventId?: number | undefined;
  timestamp?: Date | undefined;
  type?: string | undefined;
  stateEnteredEventDetails?: Details | undefined;
  stateExitedEventDetails?: Details | undefined;
  executionFailedEventDetails?: Details | undefined;
  executionAbortedEventDetails?: Details | undefined;
  executionTimedOutEventDetails?: Details | undefined;
  taskFailedEventDetails?: Details | undefined;
  taskTimedOutEventDetails?: Details | undefined;
  taskStartFailedEventDetails?: Details | undefined;
  taskSubmitFailedEventDetails?: Details | undefined;
  taskSubmittedEventDetails?: Details | undefined;
  taskSucceededEventDetails?: Details | undefined;
  lambdaFunctionFailedEventDetails?: Details | undefined;
  lambdaFunctionTimedOutEventDetails?: Details | undefined;
  lambdaFunctionStartFailedEventDetails?: Details | undefined;
  lambdaFunctionScheduleFailedEventDetails?: Details | undefined;
  activityFailedEventDetails?: Details | undefined;
  activityTimedOutEventDetails?: Details | undefined;
  activityScheduleFailedEventDetails?: Details | undefined;
  mapRunStartedEventDetails?: { mapRunArn?: string | undefined } | undefined;
}

/** What a Task's attempt is made of, whatever runs it: an integration, a Lambda ARN as Resource, an activity. */
const TASK_EVENT = /^(Task|LambdaFunction|Activity)/;
const ATTEMPT_STARTS = new Set(['TaskScheduled', 'LambdaFunctionScheduled', 'ActivityScheduled']);
const EXECUTION_ENDS = new Set(['ExecutionSucceeded', 'ExecutionFailed', 'ExecutionAborted', 'ExecutionTimedOut']);

interface Visit {
  row: TimelineRow;
  open: boolean;
  failure?: { at: Date; error: string | null };
}

/** The state-by-state timeline of one execution from its history events (any order; all pages). */
export function timelineOf(events: readonly HistoryEventLike[]): Timeline {
  const sorted = [...events].sort((a, b) => (a.id ?? 0) - (b.id ?? 0));
  const visits: Visit[] = [];
  // Which visit each event started, and what each event follows: parallel Map iterations interleave their
  // events, and following `previousEventId` back finds the visit an event belongs to.
  const visitAt = new Map<number, Visit>();
  const previous = new Map<number, number>();
  const children: string[] = [];
  const mapRuns: string[] = [];
  let ending: { type: string; at: Date; details: Details | undefined } | undefined;

  for (const event of sorted) {
    const id = event.id ?? 0;
    const type = event.type ?? '';
    const at = event.timestamp ?? new Date(0);
    if (event.previousEventId !== undefined) previous.set(id, event.previousEventId);
    const owner = (fits: (visit: Visit) => boolean) => ownerOf(id, fits, visitAt, previous, visits);

    if (type.endsWith('StateEntered')) {
      const visit = enter(event.stateEnteredEventDetails?.name ?? '', type.slice(0, -'StateEntered'.length), at);
      visits.push(visit);
      visitAt.set(id, visit);
    } else if (type.endsWith('StateExited')) {
      const stateType = type.slice(0, -'StateExited'.length);
      const name = event.stateExitedEventDetails?.name ?? '';
      const visit = owner((v) => v.row.type === stateType && v.row.state === name);
      if (visit) close(visit, at, visit.failure ? 'caught' : 'succeeded');
    } else if (ATTEMPT_STARTS.has(type)) {
      const visit = owner((v) => v.row.type === 'Task');
      if (visit?.failure) {
        close(visit, visit.failure.at, 'retried');
        const attempt = enter(visit.row.state, visit.row.type, at);
        visits.push(attempt);
        visitAt.set(id, attempt);
      }
    } else if (type === 'MapRunStarted') {
      const mapRunArn = event.mapRunStartedEventDetails?.mapRunArn;
      if (mapRunArn) mapRuns.push(mapRunArn);
    } else if (EXECUTION_ENDS.has(type)) {
      ending = { type, at, details: endDetails(event) };
    } else {
      const failed = failureDetails(event);
      const fits = kindOf(type);
      const visit = fits ? owner(fits) : undefined;
      if (!visit) continue;
      if (failed) visit.failure = { at, error: failed.error ?? null };
      const child = executionArnIn(
        failed?.cause ?? event.taskSubmittedEventDetails?.output ?? event.taskSucceededEventDetails?.output,
      );
      if (child) {
        visit.row.childExecutionArn = child;
        if (!children.includes(child)) children.push(child);
      }
    }
  }

  // Visits still open when the execution ended: a failure that was neither retried nor caught ended it (or
  // its Map iteration); a Fail state ends it by design; anything else was cut short.
  for (const visit of visits.filter((v) => v.open)) {
    if (!ending) continue;
    if (visit.failure) close(visit, visit.failure.at, 'failed');
    else if (ending.type === 'ExecutionSucceeded') close(visit, ending.at, 'succeeded');
    else if (ending.type === 'ExecutionFailed' && visit.row.type === 'Fail') {
      visit.failure = { at: ending.at, error: ending.details?.error ?? null };
      close(visit, ending.at, 'failed');
    } else close(visit, ending.at, 'aborted');
  }
  return { rows: visits.map((v) => v.row), failure: failureOf(ending), children, mapRuns };
}

function enter(state: string, type: string, at: Date): Visit {
  return {
    open: true,
    row: {
      state,
      type,
      enteredAt: at.toISOString(),
      exitedAt: null,
      durationMs: null,
      outcome: 'running',
      error: null,
      childExecutionArn: null,
    },
  };
}

function close(visit: Visit, at: Date, outcome: VisitOutcome) {
  visit.open = false;
  visit.row.exitedAt = at.toISOString();
  visit.row.durationMs = at.getTime() - Date.parse(visit.row.enteredAt);
  visit.row.outcome = outcome;
  if (outcome !== 'succeeded') visit.row.error = visit.failure?.error ?? null;
}

/** The open visit an event belongs to: back along `previousEventId`, else the latest open visit that fits. */
function ownerOf(
  id: number,
  fits: (visit: Visit) => boolean,
  visitAt: Map<number, Visit>,
  previous: Map<number, number>,
  visits: Visit[],
): Visit | undefined {
  const seen = new Set<number>();
  for (let at = previous.get(id); at !== undefined && !seen.has(at); at = previous.get(at)) {
    seen.add(at);
    const visit = visitAt.get(at);
    if (visit?.open && fits(visit)) return visit;
  }
  return visits.findLast((v) => v.open && fits(v));
}

/** Which kind of visit an event of this type belongs to; undefined for events no visit owns. */
function kindOf(type: string): ((visit: Visit) => boolean) | undefined {
  if (TASK_EVENT.test(type)) return (v) => v.row.type === 'Task';
  if (type.startsWith('MapState')) return (v) => v.row.type === 'Map';
  if (type.startsWith('ParallelState')) return (v) => v.row.type === 'Parallel';
  return undefined;
}

function failureDetails(event: HistoryEventLike): Details | undefined {
  return (
    event.taskFailedEventDetails ??
    event.taskTimedOutEventDetails ??
    event.taskStartFailedEventDetails ??
    event.taskSubmitFailedEventDetails ??
    event.lambdaFunctionFailedEventDetails ??
    event.lambdaFunctionTimedOutEventDetails ??
    event.lambdaFunctionStartFailedEventDetails ??
    event.lambdaFunctionScheduleFailedEventDetails ??
    event.activityFailedEventDetails ??
    event.activityTimedOutEventDetails ??
    event.activityScheduleFailedEventDetails ??
    // MapStateFailed and ParallelStateFailed carry no details; the visit failed all the same.
    (/^(MapState|ParallelState)Failed$/.test(event.type ?? '') ? {} : undefined)
  );
}

function endDetails(event: HistoryEventLike): Details | undefined {
  return event.executionFailedEventDetails ?? event.executionAbortedEventDetails ?? event.executionTimedOutEventDetails;
}

function failureOf(ending: { type: string; details: Details | undefined } | undefined): ExecutionFailure | null {
  if (!ending || ending.type === 'ExecutionSucceeded') return null;
  const { error, cause } = innermostFailure(ending.details?.error, ending.details?.cause);
  if (ending.type === 'ExecutionFailed') return { error, cause, inPlainWords: failureInPlainWords(error, cause) };
  // Nothing inside failed: the execution was stopped from outside (StopExecution) or ran out of time.
  const stopped = ending.type === 'ExecutionAborted' ? 'The execution was stopped' : 'The execution timed out';
  const why = [error, cause].filter(Boolean).join(': ');
  return { error, cause, inPlainWords: why ? `${stopped} (${why}).` : `${stopped}.` };
}

/** The execution a nested task started: its description (success, submission) or failure names it. */
function executionArnIn(text: string | undefined): string | undefined {
  if (!text?.trimStart().startsWith('{')) return undefined;
  try {
    const parsed = JSON.parse(text) as { ExecutionArn?: unknown };
    return typeof parsed.ExecutionArn === 'string' ? parsed.ExecutionArn : undefined;
  } catch {
    return undefined;
  }
}

/** `850ms`, `4.2s`, `3m05s`, `2h07m`: short enough for a table column. */
export function formatElapsed(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const seconds = Math.floor(ms / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
}
