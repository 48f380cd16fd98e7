// Faults injected per account/region, and when each one bites. In-memory and free of I/O, like the simulation.

import type { RolloutFaults } from './simulation';

export type EcsFault =
  /** The next rollout there fails its tasks; ECS's circuit breaker (rollback on) restores the previous revision. */
  | { kind: 'circuit-breaker' }
  /** When the next rollout there completes, the alarm goes to ALARM; the service's next completed deployment clears it. */
  | { kind: 'alarm-after-rollout'; alarm: string }
  /**
   * Every Nth call of each ECS operation there (only `operations`, when given) answers ThrottlingException.
   * Counted per operation, as AWS meters each API action separately: one global count would throttle a step
   * that makes N calls per attempt at the same call on every retry. Stays until cleared.
   */
  | { kind: 'throttle'; every: number; operations?: string[] }
  /** Rollouts there never finish. Stays until cleared. */
  | { kind: 'stuck' }
  /** sts:AssumeRole into any role of that account is refused (AccessDenied), whatever the region. Stays until cleared. */
  | { kind: 'deny-assume-role' }
  /** The next ECS `operation` call there takes effect, but its answer is lost: the caller gets HTTP 500. */
  | { kind: 'lose-response'; operation: string }
  /**
   * Once a change set was executed there, CloudFormation's DescribeStacks there answers only when the fault is
   * cleared: a stack still at work for as long as a test needs, whatever its workflow's check budget.
   */
  | { kind: 'slow-stacks' }
  /**
   * The ECS deployment and CloudWatch alarm events of that account/region are never published (EventBridge lost
   * them): what waits for them must catch the change some other way. Stays until cleared.
   */
  | { kind: 'lose-events' };

export interface Where {
  account: string;
  region: string;
}

const keyOf = (where: Where) => `${where.account}/${where.region}`;

/** A promise that resolves when `open` is called. */
function gate(): { promise: Promise<void>; open(): void } {
  let open = () => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

interface Armed {
  where: Where;
  fault: EcsFault;
  /** Calls counted so far per operation, for throttles. */
  calls: Map<string, number>;
}

export class FaultBook {
  #armed: Armed[] = [];
  /** Where a change set was executed under slow-stacks, and the release every held DescribeStacks waits for. */
  #executed = new Set<string>();
  #release = gate();

  inject(where: Where, fault: EcsFault): void {
    if (fault.kind === 'throttle' && !(Number.isInteger(fault.every) && fault.every > 0)) {
      throw new RangeError(`throttle.every must be a positive integer, got ${fault.every}`);
    }
    this.#armed.push({ where: { account: where.account, region: where.region }, fault, calls: new Map() });
  }

  clear(): void {
    this.#armed = [];
    this.#executed.clear();
    this.#release.open();
    this.#release = gate();
  }

  /** Notes an ExecuteChangeSet call made in `where`. */
  stackExecuted(where: Where): void {
    if (this.#at(where).some((a) => a.fault.kind === 'slow-stacks')) this.#executed.add(keyOf(where));
  }

  /** Resolves when a DescribeStacks call in `where` may be answered. */
  stackReadable(where: Where): Promise<void> {
    return this.#executed.has(keyOf(where)) ? this.#release.promise : Promise.resolve();
  }

  /** Hands the one-shot faults of `where` to the rollout starting now; later rollouts there run clean. */
  takeRolloutFaults(where: Where): RolloutFaults {
    const breaker = this.#take(where, (f) => f.kind === 'circuit-breaker');
    const alarm = this.#take(where, (f) => f.kind === 'alarm-after-rollout');
    return {
      failTasks: breaker !== undefined,
      alarm: alarm?.kind === 'alarm-after-rollout' ? alarm.alarm : undefined,
    };
  }

  isStuck(where: Where): boolean {
    return this.#at(where).some((a) => a.fault.kind === 'stuck');
  }

  losesEvents(where: Where): boolean {
    return this.#at(where).some((a) => a.fault.kind === 'lose-events');
  }

  /** Counts one ECS call made in `where` and says whether it is the one a throttle fault rejects. */
  throttles(where: Where, operation: string): boolean {
    let throttled = false;
    for (const { fault, calls } of this.#at(where)) {
      if (fault.kind !== 'throttle' || (fault.operations && !fault.operations.includes(operation))) continue;
      const count = (calls.get(operation) ?? 0) + 1;
      calls.set(operation, count);
      if (count % fault.every === 0) throttled = true;
    }
    return throttled;
  }

  /** Consumes the lose-response fault, if any, meant for this call. */
  losesResponse(where: Where, operation: string): boolean {
    return this.#take(where, (f) => f.kind === 'lose-response' && f.operation === operation) !== undefined;
  }

  deniesAssumeRole(account: string): boolean {
    return this.#armed.some((a) => a.fault.kind === 'deny-assume-role' && a.where.account === account);
  }

  #at(where: Where): Armed[] {
    return this.#armed.filter((a) => a.where.account === where.account && a.where.region === where.region);
  }

  #take(where: Where, matches: (fault: EcsFault) => boolean): EcsFault | undefined {
    const taken = this.#at(where).find((a) => matches(a.fault));
    if (taken) this.#armed = this.#armed.filter((a) => a !== taken);
    return taken?.fault;
  }
}
