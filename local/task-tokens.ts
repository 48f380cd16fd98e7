// Task tokens for `lambda:invoke.waitForTaskToken` tasks: the local engine has no `$$.Task.Token`, so each
// waiting task gets a fresh token and waits until SendTaskSuccess or SendTaskFailure decides it, or until its
// TimeoutSeconds or HeartbeatSeconds run out (nothing sends heartbeats, so a heartbeat timer is a timeout that
// fails as States.HeartbeatTimeout).
import { randomUUID } from 'node:crypto';
import { TOKEN_TIMER_KEYS } from './asl-definition';
import { lambdaContext } from './lambda-context';
import type { LocalFunction } from './step-functions';
import { crossingLambda, type TokenInvoke } from './task-bindings';

// Executions run with this in place of `$$.Task.Token`; each waiting task swaps it for its fresh token.
export const TOKEN_PLACEHOLDER = 'crossdeploy-local-task-token';

export class TaskDoesNotExist extends Error {
  override name = 'TaskDoesNotExist' as const;
}

export class TaskTimedOut extends Error {
  override name = 'TaskTimedOut' as const;
}

interface PendingTask {
  executionArn: string;
  resolve: (output: unknown) => void;
  reject: (error: Error) => void;
  timers: NodeJS.Timeout[];
}

/** Step Functions' names for a task whose timers ran out (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html). */
const TIMER_ERRORS = { TimeoutSeconds: 'States.Timeout', HeartbeatSeconds: 'States.HeartbeatTimeout' } as const;

export class TaskTokens {
  private readonly pending = new Map<string, PendingTask>();
  private readonly timedOut = new Set<string>();

  /** `timeScale` local seconds pass per real second: 60 runs a 10-minute timeout in 10 real seconds. */
  constructor(
    private readonly functionFor: (functionArn: string) => LocalFunction,
    private readonly isRunning: (executionArn: string) => boolean,
    private readonly timeScale = 1,
  ) {}

  /** Invokes the function with a fresh token, then waits for a decision on it, or for its timers to run out. */
  async invoke(input: TokenInvoke, executionArn: string): Promise<unknown> {
    const fn = this.functionFor(input.FunctionName);
    const token = `${randomUUID()}${randomUUID()}`.replaceAll('-', '');
    const decided = new Promise<unknown>((resolve, reject) => {
      const timers = Object.entries(TOKEN_TIMER_KEYS).flatMap(([timer, key]) => {
        const seconds = (input as unknown as Record<string, unknown>)[key];
        if (seconds === undefined) return [];
        if (!Number.isInteger(seconds) || (seconds as number) < 1) {
          throw Object.assign(new Error(`${timer} must be a positive integer, got ${JSON.stringify(seconds)}`), {
            name: 'States.Runtime',
          });
        }
        const error = TIMER_ERRORS[timer as keyof typeof TIMER_ERRORS];
        return [setTimeout(() => this.expire(token, error, timer), ((seconds as number) * 1000) / this.timeScale)];
      });
      this.pending.set(token, { executionArn, resolve, reject, timers });
    });
    // A stop fails the task even when nothing awaits it any more (the invoke failed, or the engine moved on).
    decided.catch(() => undefined);
    const payload = JSON.parse(JSON.stringify(input.Payload).replaceAll(TOKEN_PLACEHOLDER, token)) as unknown;
    await fn(payload, lambdaContext(input.FunctionName)).catch(crossingLambda);
    return decided;
  }

  /** SendTaskSuccess: the waiting task ends with `output` as its result. */
  succeed(token: string, output: unknown): void {
    this.take(token).resolve(output);
  }

  /** SendTaskFailure: the waiting task fails with `error`, which the state's Retry and Catch match. */
  fail(token: string, error: string, cause: string): void {
    const failure = new Error(cause);
    failure.name = error;
    this.take(token).reject(failure);
  }

  /** Fails the tasks an execution that was stopped waits on: their timeout timers would keep the process alive. */
  abandon(executionArn: string): void {
    for (const [token, task] of this.pending) {
      if (task.executionArn !== executionArn) continue;
      this.pending.delete(token);
      for (const timer of task.timers) clearTimeout(timer);
      task.reject(Object.assign(new Error('the execution was stopped'), { name: 'States.Aborted' }));
    }
  }

  /** A timer ran out: the task fails with its error, and the token is no longer any use. */
  private expire(token: string, error: string, timer: string): void {
    const pending = this.pending.get(token);
    if (!pending) return;
    this.pending.delete(token);
    this.timedOut.add(token);
    for (const other of pending.timers) clearTimeout(other);
    pending.reject(Object.assign(new Error(`the task's ${timer} ran out`), { name: error }));
  }

  private take(token: string): PendingTask {
    const pending = this.pending.get(token);
    if (!pending && this.timedOut.has(token)) {
      throw new TaskTimedOut(`the task of token ${token.slice(0, 12)}… timed out`);
    }
    if (!pending) throw new TaskDoesNotExist(`task token ${token.slice(0, 12)}… is unknown or already used`);
    this.pending.delete(token);
    for (const timer of pending.timers) clearTimeout(timer);
    if (!this.isRunning(pending.executionArn)) {
      throw new TaskTimedOut(`the task of token ${token.slice(0, 12)}… is no longer waiting`);
    }
    return pending;
  }
}
