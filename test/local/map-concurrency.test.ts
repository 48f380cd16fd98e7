import { beforeAll, describe, expect, it } from 'vitest';
import { LocalStepFunctions } from '../../local/step-functions';

let engine: LocalStepFunctions;
let inFlight = 0;
let mostAtOnce = 0;

beforeAll(() => {
  engine = new LocalStepFunctions({
    definitions: new URL('../fixtures/asl/', import.meta.url),
    functions: {
      WideWorkFunctionArn: async (event) => {
        inFlight++;
        mostAtOnce = Math.max(mostAtOnce, inFlight);
        // Yield to the event loop so every iteration allowed to start has started before any ends.
        await new Promise((resolve) => setImmediate(resolve));
        inFlight--;
        return event;
      },
    },
    account: '111111111111',
    region: 'us-east-1',
  });
});

describe('local inline Map', () => {
  it.each([[100], [0]])('runs at most 40 iterations at a time when MaxConcurrency is %i, as AWS does', async (n) => {
    mostAtOnce = 0;
    const items = Array.from({ length: 100 }, (_, i) => i);
    const execution = await engine.run('wide-map', { items, maxConcurrency: n });

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.output).toHaveLength(100);
    expect(mostAtOnce).toBe(40);
  });

  it('keeps a smaller MaxConcurrency as given', async () => {
    mostAtOnce = 0;
    const execution = await engine.run('wide-map', {
      items: Array.from({ length: 30 }, (_, i) => i),
      maxConcurrency: 5,
    });

    expect(execution.status).toBe('SUCCEEDED');
    expect(mostAtOnce).toBe(5);
  });
});
