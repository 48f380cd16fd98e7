// The local engine holds the workflows to the Step Functions quotas they could break in AWS: the 256 KiB
// payload, which no States.ALL Catch can catch, and the 25,000-event history.
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MAX_PAYLOAD_BYTES } from '../../core/step-functions-limits';
import { stepFunctionsApi } from '../../local/sfn-api';
import { awsHistory } from '../../local/sfn-history';
import { LocalStepFunctions } from '../../local/step-functions';
import { useMoto } from '../support/moto';

const moto = useMoto();
let engine: LocalStepFunctions;
let childRuns = 0;
let lastTaskRuns = 0;

/** A JSON value whose text is exactly `bytes` long: a string of that many bytes, less its quotes. */
const ofBytes = (bytes: number) => 'x'.repeat(bytes - 2);

beforeAll(() => {
  engine = new LocalStepFunctions({
    definitions: new URL('../fixtures/asl/', import.meta.url),
    functions: {
      MakePayloadFunctionArn: async (event) => {
        const { bytes } = event as { bytes: number };
        if (bytes === 2) lastTaskRuns++;
        return ofBytes(bytes);
      },
      WorkFunctionArn: async () => {
        childRuns++;
        return {};
      },
    },
    account: '111111111111',
    region: 'us-east-1',
  });
});
afterEach(() => moto.scheduler().serveLocally(undefined));

describe('the local engine enforces the 256 KiB payload quota', () => {
  it('takes a task result just under 256 KiB while the state output stays under it too', async () => {
    const execution = await engine.run('payload', { bytes: MAX_PAYLOAD_BYTES - 100, items: [] });

    expect([execution.status, execution.cause]).toEqual(['SUCCEEDED', undefined]);
  });

  it('fails the execution with States.DataLimitExceeded for a larger task result, past its States.ALL Catch', async () => {
    const execution = await engine.run('payload', { bytes: MAX_PAYLOAD_BYTES + 1, items: [] });

    expect(execution).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' });
    expect(execution.cause).toBe(
      `the result of task "Make the payload" is 262145 bytes, more than the 262144 bytes Step Functions allows a payload`,
    );
    expect(awsHistory(engine, execution).at(-1)).toMatchObject({
      type: 'ExecutionFailed',
      executionFailedEventDetails: { error: 'States.DataLimitExceeded' },
    });
  });

  it('fails at a Map whose gathered results make its output too large, before the next state runs', async () => {
    lastTaskRuns = 0;
    const items = Array.from({ length: 30 }, () => 10_000);

    const execution = await engine.run('payload', { bytes: 10, items });

    expect(execution).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' });
    expect(execution.cause).toMatch(/^the output of state "Gather every item" is \d+ bytes/);
    expect(lastTaskRuns).toBe(0);
  });

  it('fails a nested start whose input is too large in the parent, and never starts the child', async () => {
    childRuns = 0;
    const execution = await engine.run('start-child', { blob: ofBytes(MAX_PAYLOAD_BYTES * 0.6) });

    expect(execution).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' });
    expect(execution.cause).toMatch(/^the input of task "Run the child" is \d+ bytes/);
    expect(childRuns).toBe(0);
  });

  it('refuses StartExecution of a larger input with ValidationException, as the API does', async () => {
    moto.scheduler().serveLocally(stepFunctionsApi(engine));
    const sfn = new SFNClient({});
    const start = sfn.send(
      new StartExecutionCommand({
        stateMachineArn: engine.stateMachineArn('payload'),
        input: JSON.stringify({ blob: ofBytes(MAX_PAYLOAD_BYTES) }),
      }),
    );

    await expect(start).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(start).rejects.toThrow(/Member must have length less than or equal to 262144/);
    sfn.destroy();
  });
});

describe('the local engine enforces the 25,000-event history quota', () => {
  it('lets an execution end whose history stays under 25,000 events', async () => {
    const execution = await engine.run('loop', { n: 0, to: 6_000 });

    expect(execution.status).toBe('SUCCEEDED');
    expect(awsHistory(engine, execution)).toHaveLength(1 + 4 * 6_000 + 2 + 1);
  });

  it('fails an execution whose history reaches 25,000 events before it ends', async () => {
    const execution = await engine.run('loop', { n: 0, to: 7_000 });

    expect(execution).toMatchObject({
      status: 'FAILED',
      error: 'States.Runtime',
      cause: 'The execution reached the maximum number of history events (25000).',
    });
    const history = awsHistory(engine, execution);
    expect(history.at(-1)?.type).toBe('ExecutionFailed');
    expect(history.length).toBeGreaterThanOrEqual(25_000);
    expect(history.length).toBeLessThanOrEqual(25_000 + 4);
  });
});
