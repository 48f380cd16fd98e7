import { GetExecutionHistoryCommand, type HistoryEvent, SFNClient } from '@aws-sdk/client-sfn';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { timelineOf } from '../../core/timeline';
import { stepFunctionsApi } from '../../local/sfn-api';
import { LocalStepFunctions } from '../../local/step-functions';
import { useMoto } from '../support/moto';

const moto = useMoto();
const ACCOUNT = '111111111111';
const REGION = 'us-east-1';

let engine: LocalStepFunctions;
let flakyCalls = 0;

beforeAll(() => {
  engine = new LocalStepFunctions({
    definitions: new URL('../fixtures/asl/', import.meta.url),
    functions: {
      // Throttled once, then fine: the Retry runs it a second time.
      FlakyFunctionArn: async () => {
        flakyCalls++;
        if (flakyCalls % 2 === 1) throw Object.assign(new Error('Rate exceeded'), { name: 'TransientAwsError' });
        return {};
      },
      WorkFunctionArn: async (event) => {
        const { item } = event as { item: number };
        if (item === 2) throw Object.assign(new Error('item 2 rolled back'), { name: 'DeploymentRolledBack' });
        return { done: item };
      },
    },
    account: ACCOUNT,
    region: REGION,
    retryMs: 0,
  });
});
afterEach(() => moto.scheduler().serveLocally(undefined));

const arnOf = (machine: string, name: string) =>
  `arn:aws:states:${REGION}:${ACCOUNT}:execution:crossdeploy-local-${machine}:${name}`;

/** Runs the outer workflow and reads its history through a plain SFNClient, as `crossdeploy history` does. */
async function runAndRead(name: string, input: { fail: boolean }) {
  moto.scheduler().serveLocally(stepFunctionsApi(engine));
  const record = await engine.run('outer', input, { name });
  const sfn = new SFNClient({ region: REGION });
  const read = async (options: { reverseOrder?: boolean; maxResults?: number } = {}) => {
    const events: HistoryEvent[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await sfn.send(
        new GetExecutionHistoryCommand({ executionArn: record.executionArn, ...options, nextToken }),
      );
      events.push(...(page.events ?? []));
      nextToken = page.nextToken;
      pages++;
    } while (nextToken);
    return { events, pages };
  };
  return { record, read };
}

describe('GetExecutionHistory on the local engine', () => {
  it('answers in Step Functions shape: numbered events, each following one before it, typed by state type', async () => {
    const { read } = await runAndRead('shape', { fail: true });
    const { events } = await read();

    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
    expect(events.every((e) => (e.previousEventId ?? -1) < (e.id ?? 0))).toBe(true);
    expect(events[0]).toMatchObject({ type: 'ExecutionStarted', previousEventId: 0 });
    expect(events[0]?.timestamp).toBeInstanceOf(Date);
    expect(events.at(-1)).toMatchObject({
      type: 'ExecutionFailed',
      executionFailedEventDetails: {
        error: 'DeploymentRolledBack',
        cause: 'web in 222222222222 us-east-1 was rolled back: alarm web-5xx in ALARM',
      },
    });
    const types = new Set(events.map((e) => e.type));
    for (const type of [
      'PassStateEntered',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionFailed',
      'LambdaFunctionSucceeded',
      'MapStateEntered',
      'MapIterationStarted',
      'TaskScheduled',
      'TaskSubmitted',
      'TaskSucceeded',
      'TaskFailed',
      'MapStateExited',
      'ChoiceStateEntered',
      'FailStateEntered',
    ]) {
      expect(types).toContain(type);
    }
    // Lambda's Cause is the runtime's JSON error document, stack trace included.
    const lambdaFailed = events.find((e) => e.type === 'LambdaFunctionFailed')?.lambdaFunctionFailedEventDetails;
    expect(lambdaFailed?.error).toBe('TransientAwsError');
    expect(JSON.parse(String(lambdaFailed?.cause))).toMatchObject({
      errorType: 'TransientAwsError',
      errorMessage: 'Rate exceeded',
      trace: expect.arrayContaining(['TransientAwsError: Rate exceeded']),
    });
    expect(events.find((e) => e.type === 'TaskSubmitted')?.taskSubmittedEventDetails).toMatchObject({
      resourceType: 'states',
      resource: 'startExecution.sync:2',
    });
    // Every Map iteration has ended before the Map state does, as in AWS.
    const mapExit = events.findIndex((e) => e.type === 'MapStateExited');
    expect(events.findLastIndex((e) => e.type?.startsWith('MapIteration'))).toBeLessThan(mapExit);
  });

  it("reads into the timeline: the retry, each iteration's nested execution, the caught failure, the Fail state", async () => {
    const { read } = await runAndRead('timeline', { fail: true });
    const timeline = timelineOf((await read()).events);

    expect(timeline.rows.map((r) => [r.state, r.type, r.outcome, r.error, r.childExecutionArn])).toEqual([
      ['Prepare', 'Pass', 'succeeded', null, null],
      ['Flaky step', 'Task', 'retried', 'TransientAwsError', null],
      ['Flaky step', 'Task', 'succeeded', null, null],
      ['Each item', 'Map', 'succeeded', null, null],
      ['Run child', 'Task', 'succeeded', null, arnOf('child', 'timeline-child-1')],
      ['Run child', 'Task', 'caught', 'States.TaskFailed', arnOf('child', 'timeline-child-2')],
      ['Caught', 'Pass', 'succeeded', null, null],
      ['Give up?', 'Choice', 'succeeded', null, null],
      ['Give up', 'Fail', 'failed', 'DeploymentRolledBack', null],
    ]);
    expect(timeline.children).toEqual([arnOf('child', 'timeline-child-1'), arnOf('child', 'timeline-child-2')]);
    expect(timeline.failure?.inPlainWords).toBe(
      'Rolled back (DeploymentRolledBack): web in 222222222222 us-east-1 was rolled back: alarm web-5xx in ALARM.',
    );
  });

  it('pages with maxResults and nextToken, and reverses with reverseOrder', async () => {
    const { read } = await runAndRead('pages', { fail: false });
    const all = await read();
    const paged = await read({ maxResults: 5 });
    const reversed = await read({ reverseOrder: true, maxResults: 7 });

    expect(all.pages).toBe(1);
    expect(paged.pages).toBe(Math.ceil(all.events.length / 5));
    expect(paged.events).toEqual(all.events);
    expect(reversed.events).toEqual([...all.events].reverse());
    expect(all.events.at(-1)?.type).toBe('ExecutionSucceeded');
    expect(timelineOf(reversed.events)).toEqual(timelineOf(all.events));
  });
});
