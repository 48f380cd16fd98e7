import { describe, expect, it } from 'vitest';
import { formatElapsed, type HistoryEventLike, type TimelineRow, timelineOf } from '../../core/timeline';

const T0 = Date.parse('2030-01-02T03:04:05.000Z');
const iso = (ms: number) => new Date(T0 + ms).toISOString();
const CHILD = 'arn:aws:states:us-east-1:111111111111:execution:crossdeploy-prod-deploy-environment:web-prod-3f2a9c1';

/**
 * A history as GetExecutionHistory returns it: each event numbered, following the one before it unless
 * `after` names another, at `ms` after T0.
 */
function history(...events: [ms: number, type: string, details?: Record<string, unknown>, after?: number][]) {
  return events.map(
    ([ms, type, details = {}, after], i): HistoryEventLike => ({
      id: i + 1,
      previousEventId: after ?? i,
      timestamp: new Date(T0 + ms),
      type,
      ...details,
    }),
  );
}
const entered = (name: string) => ({ stateEnteredEventDetails: { name } });
const exited = (name: string) => ({ stateExitedEventDetails: { name } });
const taskFailed = (error: string, cause = '') => ({ taskFailedEventDetails: { error, cause } });

function row(
  state: string,
  type: string,
  from: number,
  to: number | null,
  outcome: TimelineRow['outcome'],
  more: Partial<TimelineRow> = {},
): TimelineRow {
  return {
    state,
    type,
    enteredAt: iso(from),
    exitedAt: to === null ? null : iso(to),
    durationMs: to === null ? null : to - from,
    outcome,
    error: null,
    childExecutionArn: null,
    ...more,
  };
}

describe('timelineOf', () => {
  it('gives one row per state visit with its duration, and no failure for a succeeded execution', () => {
    const events = history(
      [0, 'ExecutionStarted'],
      [0, 'PassStateEntered', entered('Start')],
      [1, 'PassStateExited', exited('Start')],
      [1, 'TaskStateEntered', entered('Find built image')],
      [1, 'LambdaFunctionScheduled'],
      [2, 'LambdaFunctionStarted'],
      [250, 'LambdaFunctionSucceeded'],
      [250, 'TaskStateExited', exited('Find built image')],
      [250, 'ChoiceStateEntered', entered('Any environments left?')],
      [251, 'ChoiceStateExited', exited('Any environments left?')],
      [251, 'SucceedStateEntered', entered('Done')],
      [251, 'SucceedStateExited', exited('Done')],
      [252, 'ExecutionSucceeded'],
    );

    expect(timelineOf(events)).toEqual({
      rows: [
        row('Start', 'Pass', 0, 1, 'succeeded'),
        row('Find built image', 'Task', 1, 250, 'succeeded'),
        row('Any environments left?', 'Choice', 250, 251, 'succeeded'),
        row('Done', 'Succeed', 251, 251, 'succeeded'),
      ],
      failure: null,
      children: [],
      mapRuns: [],
    });
  });

  it('shows each retried attempt as its own row, ending where it failed', () => {
    const events = history(
      [0, 'ExecutionStarted'],
      [0, 'TaskStateEntered', entered('Register task definition revision')],
      [0, 'TaskScheduled'],
      [1, 'TaskStarted'],
      [100, 'TaskFailed', taskFailed('TransientAwsError', 'ThrottlingException: Rate exceeded')],
      [2100, 'TaskScheduled'],
      [2101, 'TaskStarted'],
      [2200, 'TaskSucceeded'],
      [2200, 'TaskStateExited', exited('Register task definition revision')],
    );

    expect(timelineOf(events).rows).toEqual([
      row('Register task definition revision', 'Task', 0, 100, 'retried', { error: 'TransientAwsError' }),
      row('Register task definition revision', 'Task', 2100, 2200, 'succeeded'),
    ]);
  });

  it('tells a caught failure from the one that ended the execution, and says the cause in plain words', () => {
    const cause = 'wave 1 of prod: 1 of 2 targets failed (tolerance 0); 333333333333/eu-west-1 demo/web: alarm web-5xx';
    const events = history(
      [0, 'ExecutionStarted'],
      [0, 'TaskStateEntered', entered('Deploy environment')],
      [0, 'TaskScheduled'],
      [0, 'TaskStarted'],
      [0, 'TaskSubmitted', { taskSubmittedEventDetails: { output: JSON.stringify({ ExecutionArn: CHILD }) } }],
      [900, 'TaskFailed', taskFailed('States.TaskFailed', JSON.stringify({ ExecutionArn: CHILD, Status: 'FAILED' }))],
      [900, 'TaskStateExited', exited('Deploy environment')],
      [900, 'FailStateEntered', entered('Environment failed')],
      [901, 'ExecutionFailed', { executionFailedEventDetails: { error: 'DeploymentRolledBack', cause } }],
    );

    expect(timelineOf(events)).toEqual({
      rows: [
        row('Deploy environment', 'Task', 0, 900, 'caught', { error: 'States.TaskFailed', childExecutionArn: CHILD }),
        row('Environment failed', 'Fail', 900, 901, 'failed', { error: 'DeploymentRolledBack' }),
      ],
      failure: {
        error: 'DeploymentRolledBack',
        cause,
        inPlainWords: `Rolled back (DeploymentRolledBack): ${cause}.`,
      },
      children: [CHILD],
      mapRuns: [],
    });
  });

  it.each([
    {
      what: "a nested execution's failure, nested twice",
      error: 'States.TaskFailed',
      cause: JSON.stringify({
        ExecutionArn: CHILD,
        Error: 'States.TaskFailed',
        Cause: JSON.stringify({
          Error: 'DeploymentRolledBack',
          Cause: 'web in 222222222222 us-east-1 was rolled back: alarm web-5xx in ALARM',
        }),
      }),
      expected: {
        error: 'DeploymentRolledBack',
        cause: 'web in 222222222222 us-east-1 was rolled back: alarm web-5xx in ALARM',
        inPlainWords:
          'Rolled back (DeploymentRolledBack): web in 222222222222 us-east-1 was rolled back: alarm web-5xx in ALARM.',
      },
    },
    {
      what: "a Lambda function's error",
      error: 'RoleNotAssumable',
      cause: JSON.stringify({
        errorType: 'RoleNotAssumable',
        errorMessage: 'cannot assume arn:aws:iam::222222222222:role/crossdeploy-deploy in account 222222222222',
        trace: ['at assume'],
      }),
      expected: {
        error: 'RoleNotAssumable',
        cause: 'cannot assume arn:aws:iam::222222222222:role/crossdeploy-deploy in account 222222222222',
        inPlainWords:
          'The deploy role could not be assumed (RoleNotAssumable): cannot assume arn:aws:iam::222222222222:role/crossdeploy-deploy in account 222222222222.',
      },
    },
    {
      what: 'a rejection',
      error: 'ApprovalRejected',
      cause: 'rejected by jane@example.com: not on a Friday',
      expected: {
        error: 'ApprovalRejected',
        cause: 'rejected by jane@example.com: not on a Friday',
        inPlainWords: 'Approval rejected by jane@example.com: not on a Friday.',
      },
    },
  ])('unwraps $what to the innermost error and cause', ({ error, cause, expected }) => {
    const events = history(
      [0, 'ExecutionStarted'],
      [5, 'ExecutionFailed', { executionFailedEventDetails: { error, cause } }],
    );
    expect(timelineOf(events).failure).toEqual(expected);
  });

  it("matches interleaved Map iterations to their own visits by following previousEventId, whatever the events' order", () => {
    const targetArn = (i: number) => `${CHILD}-target-${i}`;
    const submitted = (i: number) => ({
      taskSubmittedEventDetails: { output: JSON.stringify({ ExecutionArn: targetArn(i) }) },
    });
    const events = history(
      [0, 'ExecutionStarted'],
      [0, 'MapStateEntered', entered('Deploy targets of wave')],
      [0, 'MapStateStarted'],
      [1, 'MapIterationStarted', {}, 3],
      [1, 'MapIterationStarted', {}, 3],
      [2, 'TaskStateEntered', entered('Deploy to target'), 4],
      [3, 'TaskStateEntered', entered('Deploy to target'), 5],
      [3, 'TaskScheduled', {}, 6],
      [4, 'TaskScheduled', {}, 7],
      [4, 'TaskSubmitted', submitted(1), 9],
      [5, 'TaskSubmitted', submitted(0), 8],
      // Iteration 1 (entered at 3) finishes first, at 400; iteration 0 fails at 700 and is caught.
      [400, 'TaskSucceeded', {}, 10],
      [400, 'TaskStateExited', exited('Deploy to target'), 12],
      [700, 'TaskFailed', taskFailed('States.TaskFailed', JSON.stringify({ ExecutionArn: targetArn(0) })), 11],
      [700, 'TaskStateExited', exited('Deploy to target'), 14],
      [701, 'MapIterationSucceeded', {}, 13],
      [701, 'MapIterationSucceeded', {}, 15],
      [702, 'MapStateSucceeded', {}, 17],
      [702, 'MapStateExited', exited('Deploy targets of wave'), 18],
      [703, 'ExecutionSucceeded'],
    );
    const expected = {
      rows: [
        row('Deploy targets of wave', 'Map', 0, 702, 'succeeded'),
        row('Deploy to target', 'Task', 2, 700, 'caught', {
          error: 'States.TaskFailed',
          childExecutionArn: targetArn(0),
        }),
        row('Deploy to target', 'Task', 3, 400, 'succeeded', { childExecutionArn: targetArn(1) }),
      ],
      failure: null,
      children: [targetArn(1), targetArn(0)],
      mapRuns: [],
    };

    expect(timelineOf(events)).toEqual(expected);
    expect(timelineOf([...events].reverse())).toEqual(expected);
  });

  it('leaves the state that runs open, with no failure yet', () => {
    const events = history(
      [0, 'ExecutionStarted'],
      [0, 'TaskStateEntered', entered('Ask for approval')],
      [0, 'TaskScheduled'],
      [1, 'TaskStarted'],
    );
    expect(timelineOf(events)).toEqual({
      rows: [row('Ask for approval', 'Task', 0, null, 'running')],
      failure: null,
      children: [],
      mapRuns: [],
    });
  });

  it('marks the state a stop cut short as aborted and says the execution was stopped', () => {
    const events = history(
      [0, 'ExecutionStarted'],
      [0, 'TaskStateEntered', entered('Ask for approval')],
      [0, 'TaskScheduled'],
      [60_000, 'ExecutionAborted', { executionAbortedEventDetails: { error: 'Aborted', cause: 'by jane' } }],
    );
    expect(timelineOf(events)).toEqual({
      rows: [row('Ask for approval', 'Task', 0, 60_000, 'aborted')],
      failure: { error: 'Aborted', cause: 'by jane', inPlainWords: 'The execution was stopped (Aborted: by jane).' },
      children: [],
      mapRuns: [],
    });
    expect(timelineOf(history([0, 'ExecutionStarted'], [9, 'ExecutionAborted'])).failure).toEqual({
      error: null,
      cause: null,
      inPlainWords: 'The execution was stopped.',
    });
  });

  it('fails the task that failed inside a Map iteration, even when the Map was caught', () => {
    const events = history(
      [0, 'ExecutionStarted'],
      [0, 'MapStateEntered', entered('Roll back')],
      [1, 'MapIterationStarted'],
      [1, 'TaskStateEntered', entered('Roll back target')],
      [1, 'TaskScheduled'],
      [50, 'TaskFailed', taskFailed('RollbackFailed', 'still unsteady')],
      [50, 'MapIterationFailed'],
      [51, 'MapStateFailed', {}, 2],
      [51, 'MapStateExited', exited('Roll back')],
      [52, 'ExecutionSucceeded'],
    );
    expect(timelineOf(events).rows).toEqual([
      row('Roll back', 'Map', 0, 51, 'caught'),
      row('Roll back target', 'Task', 1, 50, 'failed', { error: 'RollbackFailed' }),
    ]);
  });
});

describe('timelineOf with a Distributed Map', () => {
  it('keeps the Map Run of each Distributed Map visit, whose children are listed by its ARN, and reads its failure', () => {
    const run = 'arn:aws:states:us-east-1:111111111111:mapRun:crossdeploy-prod-deploy-environment/wave:1a2b';
    const events = history(
      [0, 'ExecutionStarted'],
      [0, 'MapStateEntered', entered('Deploy targets of wave')],
      [0, 'MapStateStarted'],
      [1, 'MapRunStarted', { mapRunStartedEventDetails: { mapRunArn: run } }],
      [90, 'MapRunFailed', { mapRunFailedEventDetails: { error: 'States.ExceedToleratedFailureThreshold' } }],
      [90, 'MapStateFailed'],
      [90, 'MapStateExited', exited('Deploy targets of wave')],
      [91, 'ExecutionSucceeded'],
    );

    expect(timelineOf(events)).toEqual({
      rows: [row('Deploy targets of wave', 'Map', 0, 90, 'caught')],
      failure: null,
      children: [],
      mapRuns: [run],
    });
  });
});

describe('formatElapsed', () => {
  it.each([
    [0, '0ms'],
    [850, '850ms'],
    [4_240, '4.2s'],
    [59_949, '59.9s'],
    [185_000, '3m05s'],
    [7_620_000, '2h07m'],
  ])('%i ms is %s', (ms, text) => {
    expect(formatElapsed(ms)).toBe(text);
  });
});
