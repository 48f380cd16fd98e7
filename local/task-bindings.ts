// Binds each Task state of a local execution to what runs it in-process, since an unbound Task would call real
// AWS: a Lambda handler behind Lambda's error boundary, a stand-in service integration, a task-token wait or a
// nested execution, and the failures of each named as AWS names them.
import { MAX_INLINE_MAP_CONCURRENCY } from '../core/step-functions-limits';
import { DISTRIBUTED_MAP_RESOURCE } from './distributed-map';
import { failureCause } from './execution-quotas';
import { lambdaContext } from './lambda-context';
import type { ExecutionRecord, LocalFunction } from './step-functions';

// The engine types handlers over its own JSON type; crossdeploy's handlers take and return plain JSON too.
// biome-ignore lint/suspicious/noExplicitAny: the engine's JSONValue is not exported
export type EngineHandler = (input: any) => Promise<any>;

export interface NestedStart {
  StateMachineArn: string;
  Input: unknown;
  Name?: string;
}

export interface TokenInvoke {
  FunctionName: string;
  Payload: unknown;
}

/** What one execution's tasks run with. */
export interface TaskRunners {
  /** The local handler of a Lambda function, by its ARN. */
  lambda: (functionArn: string) => LocalFunction;
  /** Stand-ins for service integrations by their resource, given the task's Parameters. */
  integrations: Record<string, (parameters: unknown) => Promise<unknown>> | undefined;
  /** `startExecution.sync:2`. */
  nested: (input: NestedStart) => Promise<unknown>;
  /** `lambda:invoke.waitForTaskToken`. */
  waitForToken: (input: TokenInvoke) => Promise<unknown>;
  /** The map run of the Distributed Map with this label, given `{ input }`: the Map state's input. */
  distributedMap: (label: string) => EngineHandler;
}

const NESTED_SYNC = 'arn:aws:states:::states:startExecution.sync:2';
const WAIT_FOR_TOKEN = 'arn:aws:states:::lambda:invoke.waitForTaskToken';

export function bindEachTask(
  machine: string,
  taskStates: Map<string, string>,
  runners: TaskRunners,
): Record<string, EngineHandler> {
  const handlers: Record<string, EngineHandler> = {};
  for (const [state, resource] of taskStates) {
    if (resource === NESTED_SYNC) {
      handlers[state] = runners.nested;
      continue;
    }
    if (resource.startsWith(`${DISTRIBUTED_MAP_RESOURCE}:`)) {
      handlers[state] = runners.distributedMap(resource.slice(DISTRIBUTED_MAP_RESOURCE.length + 1));
      continue;
    }
    if (resource === WAIT_FOR_TOKEN) {
      handlers[state] = runners.waitForToken;
      continue;
    }
    const integration = runners.integrations?.[resource];
    if (integration) {
      handlers[state] = integration;
      continue;
    }
    if (!resource.startsWith('arn:aws:lambda:')) {
      throw new Error(`${machine}: state "${state}" has no local binding for ${resource}`);
    }
    const fn = runners.lambda(resource);
    handlers[state] = (input: unknown) => fn(input, lambdaContext(resource)).catch(crossingLambda);
  }
  return handlers;
}

/**
 * AWS runs an inline Map 40 iterations at a time whatever MaxConcurrency says; the engine honours any
 * MaxConcurrency, so the tasks of each inline Map's iterations in one execution share one limit.
 */
export function shareInlineMapLimits(
  handlers: Record<string, EngineHandler>,
  inlineMapOf: Map<string, string>,
): Record<string, EngineHandler> {
  const limits = new Map<string, <T>(work: () => Promise<T>) => Promise<T>>();
  for (const [state, map] of inlineMapOf) {
    const handler = handlers[state];
    if (!handler) continue;
    if (!limits.has(map)) limits.set(map, concurrencyLimit(MAX_INLINE_MAP_CONCURRENCY));
    const limit = limits.get(map);
    if (limit) handlers[state] = (input) => limit(() => handler(input));
  }
  return handlers;
}

function concurrencyLimit(max: number): <T>(work: () => Promise<T>) => Promise<T> {
  let running = 0;
  const queue: (() => void)[] = [];
  return async (work) => {
    // A finishing task hands its place to the next waiting one, so no newcomer can slip in between.
    if (running >= max) await new Promise<void>((resolve) => queue.push(resolve));
    else running++;
    try {
      return await work();
    } finally {
      const next = queue.shift();
      if (next) next();
      else running--;
    }
  };
}

/**
 * What of an error crosses the Lambda boundary: Error is the thrown error's name (Lambda's `errorType`), Cause
 * is the runtime's JSON error document `{errorType, errorMessage, trace}`
 * (https://docs.aws.amazon.com/lambda/latest/dg/nodejs-exceptions.html). The local engine would otherwise report a
 * wrapped `cause` instead of the error itself.
 */
export function crossingLambda(error: unknown): never {
  const e = error instanceof Error ? error : new Error(String(error));
  const document = {
    errorType: e.name,
    errorMessage: e.message,
    trace: (e.stack ?? `${e.name}: ${e.message}`).split('\n'),
  };
  const crossed = new Error(failureCause(JSON.stringify(document)));
  crossed.name = e.name;
  throw crossed;
}

/** `startExecution.sync:2`'s result once the child has ended: its description, or the task's failure as AWS reports it. */
export function nestedResult(record: ExecutionRecord, stateMachineArn: string): unknown {
  // DescribeExecution's members in the order its API reference lists them, input before error and cause: the
  // order AWS writes the Cause in is not documented, and this is the one where a cut loses the child's error.
  const description = {
    ExecutionArn: record.executionArn,
    StateMachineArn: stateMachineArn,
    Name: record.name,
    Status: record.status,
    StartDate: record.startDate.getTime(),
    StopDate: record.stopDate?.getTime(),
    Input: record.input,
    InputDetails: { Included: true },
  };
  if (record.status === 'SUCCEEDED') return { ...description, Output: record.output };
  const failure = new Error(failureCause(JSON.stringify({ ...description, Error: record.error, Cause: record.cause })));
  failure.name = 'States.TaskFailed';
  throw failure;
}

// StartExecution's own errors, as its API reference lists them; anything else reaches an SDK client as the
// service's base exception.
const START_EXECUTION_ERRORS = new Set([
  'ExecutionAlreadyExists',
  'ExecutionLimitExceeded',
  'InvalidArn',
  'InvalidExecutionInput',
  'InvalidName',
  'StateMachineDeleting',
  'StateMachineDoesNotExist',
  'ValidationException',
]);

/**
 * A refused nested start as the Step Functions integration names it: the service name and the SDK exception
 * class, with the `Exception` suffix whether or not the API's error code has one
 * (https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html). The workflows also
 * retry `StepFunctions.ExecutionLimitExceeded`, the spelling of AWS's nested-workflow example
 * (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-nested-workflows.html).
 */
export function integrationError(error: Error): Error {
  const code = START_EXECUTION_ERRORS.has(error.name)
    ? error.name.replace(/(Exception)?$/, 'Exception')
    : 'AWSStepFunctionsException';
  return Object.assign(new Error(error.message), { name: `StepFunctions.${code}` });
}

export function asIntegrationError<T>(call: () => T): T {
  try {
    return call();
  } catch (error) {
    throw integrationError(error as Error);
  }
}
