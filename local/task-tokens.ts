// Task tokens for `lambda:invoke.waitForTaskToken` tasks: the local engine has no `$$.Task.Token`, so each
// waiting task gets a fresh token and waits until SendTaskSuccess or SendTaskFailure decides it.
import { randomUUID } from 'node:crypto';
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
}

export class TaskTokens {
  private readonly pending = new Map<string, PendingTask>();

  constructor(
    private readonly functionFor: (functionArn: string) => LocalFunction,
    private readonly isRunning: (executionArn: string) => boolean,
  ) {}

  /** Invokes the function with a fresh token, then waits for a decision on it. */
  async invoke(input: TokenInvoke, executionArn: string): Promise<unknown> {
    const fn = this.functionFor(input.FunctionName);
    const token = `${randomUUID()}${randomUUID()}`.replaceAll('-', '');
    const decided = new Promise<unknown>((resolve, reject) => {
      this.pending.set(token, { executionArn, resolve, reject });
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
      task.reject(Object.assign(new Error('the execution was stopped'), { name: 'States.Aborted' }));
    }
  }

  private take(token: string): PendingTask {
    const pending = this.pending.get(token);
    if (!pending) throw new TaskDoesNotExist(`task token ${token.slice(0, 12)}… is unknown or already used`);
    this.pending.delete(token);
    if (!this.isRunning(pending.executionArn)) {
      throw new TaskTimedOut(`the task of token ${token.slice(0, 12)}… is no longer waiting`);
    }
    return pending;
  }
}
