import { describe, expect, it } from 'vitest';
import { FaultBook } from '../../local/ecs-scheduler/faults';

const DEV = { account: '222222222222', region: 'us-east-1' };
const DEV_WEST = { account: '222222222222', region: 'us-west-2' };
const PROD = { account: '333333333333', region: 'us-east-1' };

describe('fault book', () => {
  it.each([
    {
      operations: undefined,
      calls: ['A', 'A', 'A', 'A', 'A', 'A'],
      throttled: [false, false, true, false, false, true],
    },
    {
      operations: undefined,
      calls: ['A', 'B', 'A', 'B', 'A', 'B'],
      throttled: [false, false, false, false, true, true],
    },
    {
      operations: undefined,
      calls: ['A', 'B', 'C', 'A', 'B', 'C'],
      throttled: [false, false, false, false, false, false],
    },
    { operations: ['A'], calls: ['A', 'B', 'A', 'B', 'A', 'B'], throttled: [false, false, false, false, true, false] },
  ])(
    'throttles every 3rd call of each operation: $calls (operations $operations)',
    ({ operations, calls, throttled }) => {
      const book = new FaultBook();
      book.inject(DEV, { kind: 'throttle', every: 3, ...(operations && { operations }) });

      expect(calls.map((op) => book.throttles(DEV, op))).toEqual(throttled);
    },
  );

  it('throttles nothing in another account or region', () => {
    const book = new FaultBook();
    book.inject(DEV, { kind: 'throttle', every: 1 });

    expect([book.throttles(PROD, 'A'), book.throttles(DEV_WEST, 'A'), book.throttles(DEV, 'A')]).toEqual([
      false,
      false,
      true,
    ]);
  });

  it('rejects a throttle that could never fire', () => {
    expect(() => new FaultBook().inject(DEV, { kind: 'throttle', every: 0 })).toThrow(RangeError);
  });

  it('hands circuit-breaker and alarm faults to the next rollout there only', () => {
    const book = new FaultBook();
    book.inject(DEV, { kind: 'circuit-breaker' });
    book.inject(DEV, { kind: 'alarm-after-rollout', alarm: 'web-5xx' });

    expect(book.takeRolloutFaults(PROD)).toEqual({ failTasks: false, alarm: undefined });
    expect(book.takeRolloutFaults(DEV)).toEqual({ failTasks: true, alarm: 'web-5xx' });
    expect(book.takeRolloutFaults(DEV)).toEqual({ failTasks: false, alarm: undefined });
  });

  it('keeps stuck until cleared', () => {
    const book = new FaultBook();
    book.inject(DEV, { kind: 'stuck' });
    book.takeRolloutFaults(DEV);

    expect([book.isStuck(DEV), book.isStuck(PROD)]).toEqual([true, false]);
    book.clear();
    expect(book.isStuck(DEV)).toBe(false);
  });

  it('loses the answer of the named operation once', () => {
    const book = new FaultBook();
    book.inject(DEV, { kind: 'lose-response', operation: 'RegisterTaskDefinition' });

    const seen = ['UpdateService', 'RegisterTaskDefinition', 'RegisterTaskDefinition'].map((op) =>
      book.losesResponse(DEV, op),
    );

    expect(seen).toEqual([false, true, false]);
  });

  it('loses the events of its account/region only, until cleared', () => {
    const book = new FaultBook();
    book.inject(DEV, { kind: 'lose-events' });
    book.takeRolloutFaults(DEV);

    expect([book.losesEvents(DEV), book.losesEvents(DEV_WEST), book.losesEvents(PROD)]).toEqual([true, false, false]);
    book.clear();
    expect(book.losesEvents(DEV)).toBe(false);
  });

  it('denies assuming roles in the account whatever region the fault was injected for', () => {
    const book = new FaultBook();
    book.inject(DEV_WEST, { kind: 'deny-assume-role' });

    expect([book.deniesAssumeRole(DEV.account), book.deniesAssumeRole(PROD.account)]).toEqual([true, false]);
  });
});
