import { DISTRIBUTED_MAP_RESOURCE } from './distributed-map';
import type { ExecutionRecord, HistoryEvent, LocalStepFunctions } from './step-functions';

// GetExecutionHistory in Step Functions' own shape, from what the local engine recorded: the same reader
// (core/timeline.ts) then serves AWS and the local runtime alike.

type AwsEvent = Record<string, unknown> & { id: number; previousEventId: number; type: string; timestamp: number };

const NESTED_SYNC = 'arn:aws:states:::states:startExecution.sync:2';

type Push = (thread: string, type: string, timestamp: number, details?: Record<string, unknown>) => void;

/**
 * A Distributed Map's events as Step Functions records them: the Map state around its Map Run, whose children
 * are listed by its ARN (ListExecutions' mapRunArn), not found in this history.
 */
function mapRunEvents(push: Push, event: HistoryEvent, name: string, mapRuns: string[], failed: Set<string>) {
  const at = event.timestamp;
  if (event.type === 'StateEntered') {
    push('main', 'MapStateEntered', at, { stateEnteredEventDetails: { name } });
    push('main', 'MapStateStarted', at, { mapStateStartedEventDetails: { length: 0 } });
    push('main', 'MapRunStarted', at, { mapRunStartedEventDetails: { mapRunArn: mapRuns.shift() ?? '' } });
  } else if (event.type === 'StateFailed') {
    failed.add(name);
    push('main', 'MapRunFailed', at, { mapRunFailedEventDetails: { error: event.error, cause: event.cause } });
    push('main', 'MapStateFailed', at);
  } else if (event.type === 'StateExited') {
    if (!failed.delete(name)) {
      push('main', 'MapRunSucceeded', at);
      push('main', 'MapStateSucceeded', at);
    }
    push('main', 'MapStateExited', at, { stateExitedEventDetails: { name } });
  }
}

/** Every event of the execution, oldest first, numbered from 1 as Step Functions numbers them. */
export function awsHistory(engine: LocalStepFunctions, record: ExecutionRecord): AwsEvent[] {
  const resources = engine.taskResources(record.stateMachine);
  const children = nestedChildren(engine, record, resources);
  const childOfVisit = new Map<string, ExecutionRecord>();
  const events: AwsEvent[] = [];
  // Each Map iteration is its own thread of events, as in AWS: its first event follows the Map's, the rest
  // follow each other.
  const lastOf = new Map<string, number>();
  const attemptFailed = new Set<string>();
  const push = (thread: string, type: string, timestamp: number, details: Record<string, unknown> = {}) => {
    const id = events.length + 1;
    const previous = lastOf.get(thread) ?? lastOf.get('main') ?? 0;
    events.push({ id, previousEventId: previous, type, timestamp: timestamp / 1000, ...details });
    lastOf.set(thread, id);
  };

  const mapRuns = [...(record.mapRuns ?? [])];
  const failedMapRuns = new Set<string>();
  for (const event of inStepFunctionsOrder(record.history)) {
    const thread = event.index === undefined ? 'main' : `iteration ${event.index}`;
    const visit = `${thread}|${event.state}`;
    const name = event.state ?? '';
    if (resources.get(name)?.startsWith(`${DISTRIBUTED_MAP_RESOURCE}:`)) {
      mapRunEvents(push, event, name, mapRuns, failedMapRuns);
      continue;
    }
    const stateType = event.stateType ?? 'Pass';
    const task = stateType === 'Task' ? taskOf(resources.get(name) ?? '') : undefined;
    const failure = { error: event.error ?? '', cause: event.cause ?? '' };
    switch (event.type) {
      case 'ExecutionStarted':
        push(thread, 'ExecutionStarted', event.timestamp, {
          executionStartedEventDetails: { input: JSON.stringify(record.input), inputDetails: { truncated: false } },
        });
        break;
      case 'StateEntered':
        push(thread, `${stateType}StateEntered`, event.timestamp, { stateEnteredEventDetails: { name } });
        if (task) {
          const child = children.get(event);
          if (child) childOfVisit.set(visit, child);
          else childOfVisit.delete(visit);
          scheduleTask(push, thread, event.timestamp, task, child);
        }
        break;
      case 'StateRetried':
        attemptFailed.delete(visit);
        if (task) scheduleTask(push, thread, event.timestamp, task, undefined);
        break;
      case 'StateFailed':
        attemptFailed.add(visit);
        if (task) push(thread, ...taskFailure(task, event.timestamp, failure));
        else if (stateType === 'Map' || stateType === 'Parallel')
          push(thread, `${stateType}StateFailed`, event.timestamp);
        break;
      case 'StateExited':
        if (task && !attemptFailed.has(visit)) {
          const child = childOfVisit.get(visit);
          const output = child ? { ...description(child), Output: JSON.stringify(child.output ?? null) } : {};
          push(thread, task.lambda ? 'LambdaFunctionSucceeded' : 'TaskSucceeded', event.timestamp, {
            [task.lambda ? 'lambdaFunctionSucceededEventDetails' : 'taskSucceededEventDetails']: {
              ...task.details,
              output: JSON.stringify(output),
            },
          });
        }
        if ((stateType === 'Map' || stateType === 'Parallel') && !attemptFailed.has(visit)) {
          push(thread, `${stateType}StateSucceeded`, event.timestamp);
        }
        attemptFailed.delete(visit);
        push(thread, `${stateType}StateExited`, event.timestamp, { stateExitedEventDetails: { name } });
        break;
      case 'MapIterationStarted':
        lastOf.set(thread, lastOf.get('main') ?? 0);
        push(thread, 'MapIterationStarted', event.timestamp, {
          mapIterationStartedEventDetails: { name, index: event.index },
        });
        break;
      case 'MapIterationSucceeded':
      case 'MapIterationFailed': {
        const key =
          event.type === 'MapIterationSucceeded'
            ? 'mapIterationSucceededEventDetails'
            : 'mapIterationFailedEventDetails';
        push(thread, event.type, event.timestamp, { [key]: { name, index: event.index } });
        // The Map state's next event follows its last iteration.
        lastOf.set('main', events.length);
        break;
      }
      case 'ExecutionSucceeded':
        push(thread, 'ExecutionSucceeded', event.timestamp, {
          executionSucceededEventDetails: { output: JSON.stringify(record.output ?? null) },
        });
        break;
      case 'ExecutionFailed':
        push(thread, 'ExecutionFailed', event.timestamp, { executionFailedEventDetails: failure });
        break;
      case 'ExecutionAborted':
        push(thread, 'ExecutionAborted', event.timestamp, {
          executionAbortedEventDetails: { error: record.error ?? '', cause: record.cause ?? '' },
        });
        break;
      case 'ExecutionTimeout':
        push(thread, 'ExecutionTimedOut', event.timestamp, { executionTimedOutEventDetails: {} });
        break;
    }
  }
  // A record can end before the engine's last event reaches its history: StopExecution sets ABORTED at once.
  const ended = events.some((e) => e.type.startsWith('Execution') && e.type !== 'ExecutionStarted');
  if (!ended && record.status !== 'RUNNING') {
    const at = (record.stopDate ?? new Date()).getTime();
    const failure = { error: record.error ?? '', cause: record.cause ?? '' };
    if (record.status === 'ABORTED') push('main', 'ExecutionAborted', at, { executionAbortedEventDetails: failure });
    if (record.status === 'FAILED') push('main', 'ExecutionFailed', at, { executionFailedEventDetails: failure });
    if (record.status === 'SUCCEEDED') {
      push('main', 'ExecutionSucceeded', at, {
        executionSucceededEventDetails: { output: JSON.stringify(record.output) },
      });
    }
  }
  return events;
}

interface TaskKind {
  lambda: boolean;
  nested: boolean;
  details: Record<string, string>;
}

/** How Step Functions reports a Task: a Lambda ARN as Resource gives LambdaFunction* events, an integration Task* events. */
function taskOf(resource: string): TaskKind {
  if (resource.startsWith('arn:aws:lambda:')) return { lambda: true, nested: false, details: {} };
  const [resourceType = '', ...rest] = resource.replace(/^arn:aws:states:::/, '').split(':');
  return { lambda: false, nested: resource === NESTED_SYNC, details: { resourceType, resource: rest.join(':') } };
}

function scheduleTask(
  push: (thread: string, type: string, timestamp: number, details?: Record<string, unknown>) => void,
  thread: string,
  timestamp: number,
  task: TaskKind,
  child: ExecutionRecord | undefined,
) {
  if (task.lambda) {
    push(thread, 'LambdaFunctionScheduled', timestamp, { lambdaFunctionScheduledEventDetails: {} });
    push(thread, 'LambdaFunctionStarted', timestamp);
    return;
  }
  push(thread, 'TaskScheduled', timestamp, { taskScheduledEventDetails: { ...task.details, parameters: '{}' } });
  push(thread, 'TaskStarted', timestamp, { taskStartedEventDetails: task.details });
  if (child) {
    const submitted = { ExecutionArn: child.executionArn, StartDate: child.startDate.getTime() / 1000 };
    push(thread, 'TaskSubmitted', child.startDate.getTime(), {
      taskSubmittedEventDetails: { ...task.details, output: JSON.stringify(submitted) },
    });
  }
}

function taskFailure(
  task: TaskKind,
  timestamp: number,
  failure: { error: string; cause: string },
): [string, number, Record<string, unknown>] {
  const timedOut = failure.error === 'States.Timeout';
  if (task.lambda) {
    const type = timedOut ? 'LambdaFunctionTimedOut' : 'LambdaFunctionFailed';
    return [type, timestamp, { [`lambdaFunction${timedOut ? 'TimedOut' : 'Failed'}EventDetails`]: failure }];
  }
  const type = timedOut ? 'TaskTimedOut' : 'TaskFailed';
  return [
    type,
    timestamp,
    { [`task${timedOut ? 'TimedOut' : 'Failed'}EventDetails`]: { ...task.details, ...failure } },
  ];
}

/**
 * The engine records a Map state's end as soon as its result is known, before the forwarded events of its
 * iterations. Step Functions writes every iteration first: hold the end, and what follows it, until the
 * Map's iterations have all ended.
 */
function inStepFunctionsOrder(history: HistoryEvent[]): HistoryEvent[] {
  const ordered: HistoryEvent[] = [];
  let open = 0;
  let held: HistoryEvent[] = [];
  for (const event of history) {
    if (event.type === 'MapIterationStarted') open++;
    if (event.type === 'MapIterationSucceeded' || event.type === 'MapIterationFailed') open--;
    const mapEnded = event.stateType === 'Map' && (event.type === 'StateExited' || event.type === 'StateFailed');
    if (open > 0 && event.index === undefined && (mapEnded || held.length > 0)) {
      held.push(event);
      continue;
    }
    ordered.push(event);
    if (open === 0 && held.length > 0) {
      ordered.push(...held);
      held = [];
    }
  }
  return [...ordered, ...held];
}

/**
 * The nested execution each visit of a `startExecution.sync` task started. A failed visit names its child in
 * the failure's cause; one that succeeded takes the earliest succeeded child no failure names, one still
 * running the earliest child that has not succeeded.
 */
function nestedChildren(
  engine: LocalStepFunctions,
  record: ExecutionRecord,
  resources: Map<string, string>,
): Map<HistoryEvent, ExecutionRecord> {
  const visits: { entered: HistoryEvent; named?: string; failed: boolean; exited: boolean }[] = [];
  const open = new Map<string, (typeof visits)[number]>();
  for (const event of record.history) {
    if (event.stateType !== 'Task' || resources.get(event.state ?? '') !== NESTED_SYNC) continue;
    const key = `${event.index}|${event.state}`;
    const visit = open.get(key);
    if (event.type === 'StateEntered') {
      const entered = { entered: event, failed: false, exited: false };
      visits.push(entered);
      open.set(key, entered);
    } else if (visit && event.type === 'StateFailed') {
      visit.failed = true;
      visit.named ??= executionArnIn(event.cause);
    } else if (visit && event.type === 'StateRetried') {
      visit.failed = false;
    } else if (visit && event.type === 'StateExited') {
      visit.exited = true;
      open.delete(key);
    }
  }
  const children = engine.executions().filter((e) => e.parentArn === record.executionArn);
  const named = new Set(visits.map((v) => v.named));
  const pool = children
    .filter((e) => !named.has(e.executionArn))
    .sort((a, b) => a.startDate.getTime() - b.startDate.getTime());
  const matched = new Map<HistoryEvent, ExecutionRecord>();
  for (const visit of visits) {
    const child = visit.named
      ? children.find((e) => e.executionArn === visit.named)
      : visit.failed
        ? undefined
        : pool.find((e) => (visit.exited ? e.status === 'SUCCEEDED' : e.status !== 'SUCCEEDED'));
    if (!child) continue;
    matched.set(visit.entered, child);
    if (pool.includes(child)) pool.splice(pool.indexOf(child), 1);
  }
  return matched;
}

/** What `startExecution.sync:2` returns: DescribeExecution's answer. */
function description(e: ExecutionRecord) {
  return {
    ExecutionArn: e.executionArn,
    Name: e.name,
    Status: e.status,
    StartDate: e.startDate.getTime() / 1000,
    ...(e.stopDate ? { StopDate: e.stopDate.getTime() / 1000 } : {}),
  };
}

function executionArnIn(cause: string | undefined): string | undefined {
  try {
    const parsed = JSON.parse(cause ?? '') as { ExecutionArn?: unknown };
    return typeof parsed.ExecutionArn === 'string' ? parsed.ExecutionArn : undefined;
  } catch {
    return undefined;
  }
}
