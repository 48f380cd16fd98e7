import { beforeAll, describe, expect, it } from 'vitest';
import { LocalStepFunctions } from '../../local/step-functions';

// 1,000 local seconds per real second: the timers below are whole seconds in the ASL, milliseconds here.
const TIME_SCALE = 1000;
const parked: string[] = [];
let engine: LocalStepFunctions;

beforeAll(() => {
  engine = new LocalStepFunctions({
    definitions: new URL('../fixtures/asl/', import.meta.url),
    functions: {
      ParkFunctionArn: async (event) => {
        parked.push((event as { taskToken: string }).taskToken);
        return null;
      },
    },
    account: '111111111111',
    region: 'us-east-1',
    timeScale: TIME_SCALE,
  });
});

const run = (timers: { heartbeat: number; timeout: number }, pauseSeconds = 0) =>
  engine.run('token-timers', { label: 'x', timers, pauseSeconds });

describe('local token waits', () => {
  it('fail as States.HeartbeatTimeout when HeartbeatSeconds runs out first, read from the state input', async () => {
    const execution = await run({ heartbeat: 5, timeout: 3600 });

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.output).toMatchObject({ ended: 'heartbeat', caught: { Error: 'States.HeartbeatTimeout' } });
  });

  it('fail as States.Timeout when TimeoutSeconds runs out first', async () => {
    const execution = await run({ heartbeat: 3600, timeout: 5 });

    expect(execution.output).toMatchObject({ ended: 'timeout', caught: { Error: 'States.Timeout' } });
  });

  it('end with the output SendTaskSuccess gives, and the token then answers TaskTimedOut once its timer ran out', async () => {
    parked.length = 0;
    const started = engine.start('token-timers', {
      label: 'x',
      timers: { heartbeat: 3600, timeout: 7200 },
      pauseSeconds: 0,
    });
    while (parked.length === 0) await new Promise((resolve) => setImmediate(resolve));
    const token = parked.shift() as string;
    engine.sendTaskSuccess(token, { approved: true });
    const ended = await engine.finished(started.executionArn);
    expect(ended.output).toMatchObject({ decision: { approved: true } });
    expect(() => engine.sendTaskSuccess(token, {})).toThrow(/unknown or already used/);

    await run({ heartbeat: 1, timeout: 7200 });
    const expired = parked.shift() as string;
    expect(() => engine.sendTaskSuccess(expired, {})).toThrowError(expect.objectContaining({ name: 'TaskTimedOut' }));
  });

  it('refuses a timer that is not a positive integer, as Step Functions does', async () => {
    const execution = await run({ heartbeat: 0, timeout: 10 });

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('States.Runtime');
  });

  it('pause a Wait state for its SecondsPath from the input, at the time scale', async () => {
    const quick = await run({ heartbeat: 1, timeout: 7200 }, 0);
    const paused = await run({ heartbeat: 1, timeout: 7200 }, 300);
    const pauseOf = (e: typeof quick) => {
      const entered = e.history.find((h) => h.type === 'StateEntered' && h.state === 'Pause')?.timestamp ?? 0;
      return (e.stopDate?.getTime() ?? 0) - entered;
    };

    expect(pauseOf(paused)).toBeGreaterThanOrEqual(300);
    expect(pauseOf(paused)).toBeGreaterThan(pauseOf(quick));
  });
});
