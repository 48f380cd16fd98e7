import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Context } from 'aws-lambda';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import {
  MAX_HISTORY_EVENTS,
  MAX_INLINE_MAP_CONCURRENCY,
  MAX_PAYLOAD_BYTES,
  payloadBytes,
} from '../core/step-functions-limits';
import './node-version';
import { awsHistory } from './sfn-history';

type Json = unknown;
type EventLog = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;
// The engine types handlers over its own JSON type; crossdeploy's handlers take and return plain JSON too.
// biome-ignore lint/suspicious/noExplicitAny: the engine's JSONValue is not exported
type EngineHandler = (input: any) => Promise<any>;
export type LocalFunction = (event: Json, context: Context) => Promise<Json>;

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';

export interface HistoryEvent {
  type: string;
  timestamp: number;
  state?: string;
  /** The state's type (`Task`, `Choice`, `Map`...): Step Functions names its history events after it. */
  stateType?: string;
  /** The iteration of a Map state the event belongs to; Map iteration events carry the Map state's name. */
  index?: number;
  error?: string;
  cause?: string;
}

/** One execution as Step Functions would describe it; nested executions point at their parent. */
export interface ExecutionRecord {
  name: string;
  executionArn: string;
  stateMachine: string;
  status: ExecutionStatus;
  input: Json;
  output?: Json;
  error?: string;
  cause?: string;
  startDate: Date;
  stopDate?: Date;
  parentArn?: string;
  history: HistoryEvent[];
}

export interface LocalStepFunctionsOptions {
  /** Folder of the `*.asl.json` files. */
  definitions: URL;
  /** Lambda handlers by the substitution variable that names them in the ASL, e.g. `OpenEcrFunctionArn`. */
  functions: Record<string, LocalFunction>;
  /** Stand-ins for service integrations by their resource (e.g. CodeBuild's `startBuild.sync`), given the task's Parameters. */
  integrations?: Record<string, (parameters: Json) => Promise<Json>>;
  /** Values for the other `${...}` substitutions (names, not ARNs), e.g. `BuildProjectName`. */
  values?: Record<string, string>;
  account: string;
  region: string;
  /** How long a Wait state pauses locally, in ms; rollout progress is simulated, so 0 is realistic. */
  waitMs?: number;
  /** Pause before a Retry, in ms. */
  retryMs?: number;
  onEvent?: (execution: ExecutionRecord, event: HistoryEvent) => void;
}

export class ExecutionAlreadyExists extends Error {
  override name = 'ExecutionAlreadyExists' as const;
}

export class StateMachineDoesNotExist extends Error {
  override name = 'StateMachineDoesNotExist' as const;
}

class InvalidName extends Error {
  override name = 'InvalidName' as const;
}

/** StartExecution's refusal of an input longer than its 262,144-byte constraint. */
export class ValidationException extends Error {
  override name = 'ValidationException' as const;
}

export class ExecutionDoesNotExist extends Error {
  override name = 'ExecutionDoesNotExist' as const;
}

export class TaskDoesNotExist extends Error {
  override name = 'TaskDoesNotExist' as const;
}

export class TaskTimedOut extends Error {
  override name = 'TaskTimedOut' as const;
}

interface PendingTask {
  executionArn: string;
  resolve: (output: Json) => void;
  reject: (error: Error) => void;
}

interface LoadedMachine {
  name: string;
  arn: string;
  machine: StateMachine;
  taskStates: Map<string, string>;
  waitStates: string[];
  /** Task states inside an inline Map's iterations, by the name of the nearest such Map. */
  inlineMapOf: Map<string, string>;
}

const EXECUTION_NAME = /^[A-Za-z0-9_-]{1,80}$/;
// One engine event becomes at most this many events of AWS's history (a nested task's StateEntered is
// TaskStateEntered, TaskScheduled, TaskStarted and TaskSubmitted), so the history is counted only when it could
// have reached the limit.
const AWS_EVENTS_PER_ENGINE_EVENT = 4;
const NESTED_SYNC = 'arn:aws:states:::states:startExecution.sync:2';
const WAIT_FOR_TOKEN = 'arn:aws:states:::lambda:invoke.waitForTaskToken';
// The local engine has no `$$.Task.Token`; executions run with this in its place, and each waiting task
// swaps it for a fresh token that SendTaskSuccess/SendTaskFailure resolve.
const TOKEN_PLACEHOLDER = 'crossdeploy-local-task-token';

/**
 * Runs crossdeploy's ASL files in-process: the same definitions as in AWS, each `${...}Arn` substitution
 * resolved to a local ARN, each Lambda task bound to its handler and each nested `startExecution.sync:2`
 * run as its own execution, so the local history has one execution per target just like the console.
 */
export class LocalStepFunctions {
  private readonly machines = new Map<string, LoadedMachine>();
  private readonly byArn = new Map<string, LoadedMachine>();
  private readonly records = new Map<string, ExecutionRecord>();
  private readonly running = new Map<string, { done: Promise<ExecutionRecord>; abort: () => void }>();
  private readonly pendingTasks = new Map<string, PendingTask>();
  private readonly startWaiters = new Map<string, ((record: ExecutionRecord) => void)[]>();
  private readonly refusals = new Map<string, string[]>();
  /** Executions a quota ended: the engine's own last events after that are not theirs. */
  private readonly endedByQuota = new Set<string>();

  constructor(private readonly options: LocalStepFunctionsOptions) {}

  stateMachineArn(name: string): string {
    return `arn:aws:states:${this.options.region}:${this.options.account}:stateMachine:crossdeploy-local-${name}`;
  }

  private functionArn(variable: string): string {
    return `arn:aws:lambda:${this.options.region}:${this.options.account}:function:crossdeploy-local-${variable.replace(/FunctionArn$/, '')}`;
  }

  private load(name: string): LoadedMachine {
    const loaded = this.machines.get(name);
    if (loaded) return loaded;
    const text = readFileSync(new URL(`${name}.asl.json`, this.options.definitions), 'utf8');
    const substituted = text.replace(/\$\{(\w+)\}/g, (_, variable: string) => {
      if (variable.endsWith('StateMachineArn'))
        return this.stateMachineArn(kebab(variable.replace(/StateMachineArn$/, '')));
      if (variable.endsWith('FunctionArn')) {
        if (!this.options.functions[variable])
          throw new Error(`${name}.asl.json: no local function for \${${variable}}`);
        return this.functionArn(variable);
      }
      const value = this.options.values?.[variable];
      // Substituted inside JSON strings: a value with quotes or newlines (the buildspec) stays one string.
      if (value !== undefined) return JSON.stringify(value).slice(1, -1);
      throw new Error(`${name}.asl.json: unknown substitution \${${variable}}`);
    });
    const definition = JSON.parse(substituted) as StateMachineDefinition;
    translateTimeoutPaths(definition);
    const taskStates = new Map<string, string>();
    const waitStates: string[] = [];
    const inlineMapOf = new Map<string, string>();
    collectStates(definition, taskStates, waitStates, inlineMapOf);
    const machine: LoadedMachine = {
      name,
      arn: this.stateMachineArn(name),
      machine: new StateMachine(definition),
      taskStates,
      waitStates,
      inlineMapOf,
    };
    this.machines.set(name, machine);
    this.byArn.set(machine.arn, machine);
    return machine;
  }

  /** Runs an execution to its end and resolves with its record (never rejects on failure). */
  run(stateMachine: string, input: Json, opts: { name?: string; parentArn?: string } = {}): Promise<ExecutionRecord> {
    const record = this.start(stateMachine, input, opts);
    return this.running.get(record.executionArn)?.done ?? Promise.resolve(record);
  }

  /** Starts an execution and returns at once, as StartExecution does. */
  start(stateMachine: string, input: Json, opts: { name?: string; parentArn?: string } = {}): ExecutionRecord {
    const loaded = this.load(stateMachine);
    const name = opts.name ?? randomUUID();
    if (!EXECUTION_NAME.test(name)) {
      throw new InvalidName(
        `execution name "${name}" is not 1-80 characters of [A-Za-z0-9_-], as Step Functions requires`,
      );
    }
    const size = payloadBytes(input);
    if (size > MAX_PAYLOAD_BYTES) {
      throw new ValidationException(
        `1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have length ` +
          `less than or equal to ${MAX_PAYLOAD_BYTES} (the input of ${stateMachine} is ${size} bytes)`,
      );
    }
    const executionArn = `arn:aws:states:${this.options.region}:${this.options.account}:execution:crossdeploy-local-${stateMachine}:${name}`;
    if (this.records.has(executionArn)) {
      throw new ExecutionAlreadyExists(`execution ${name} of ${stateMachine} already exists`);
    }
    const record: ExecutionRecord = {
      name,
      executionArn,
      stateMachine,
      status: 'RUNNING',
      input,
      startDate: new Date(),
      history: [],
      ...(opts.parentArn ? { parentArn: opts.parentArn } : {}),
    };
    this.records.set(executionArn, record);
    for (const resolve of this.startWaiters.get(name) ?? []) resolve(record);
    this.startWaiters.delete(name);

    const execution = loaded.machine.run(input as never, {
      noThrowOnAbort: true,
      overrides: {
        taskResourceLocalHandlers: this.bindTasks(loaded, executionArn),
        waitTimeOverrides: Object.fromEntries(loaded.waitStates.map((s) => [s, this.options.waitMs ?? 0])),
        retryIntervalOverrides: Object.fromEntries(
          [...loaded.taskStates.keys()].map((s) => [s, this.options.retryMs ?? 0]),
        ),
      },
      context: {
        Execution: { Id: executionArn, Name: name, Input: input as never, StartTime: record.startDate.toISOString() },
        Task: { Token: TOKEN_PLACEHOLDER },
      },
    });
    const logging = this.follow(record, execution.eventLogs);
    const done = (async () => {
      const result = await execution.result.then(
        (output: Json) => ({ output }),
        () => undefined,
      );
      // Every event is held to the quotas before the execution may count as succeeded.
      await logging;
      if (record.status === 'RUNNING') {
        if (result) record.output = result.output;
        record.status = result ? 'SUCCEEDED' : 'FAILED';
      }
      record.stopDate ??= new Date();
      this.running.delete(executionArn);
      return record;
    })();
    this.running.set(executionArn, { done, abort: execution.abort });
    return record;
  }

  /** StopExecution: the execution ends ABORTED; its nested executions are stopped with it. */
  async stop(executionArn: string, error?: string, cause?: string): Promise<ExecutionRecord> {
    const record = this.records.get(executionArn);
    if (!record) throw new ExecutionDoesNotExist(`execution ${executionArn} does not exist`);
    const running = this.running.get(executionArn);
    if (!running) return record;
    record.status = 'ABORTED';
    if (error) record.error = error;
    if (cause) record.cause = cause;
    record.stopDate = new Date();
    await this.halt(executionArn);
    return running.done;
  }

  /**
   * Ends an execution as Step Functions ends one that broke a quota: FAILED with `error`, whatever its Catch
   * and Retry say, and its nested executions stopped.
   */
  private failTerminally(record: ExecutionRecord, error: string, cause: string): void {
    if (record.status !== 'RUNNING') return;
    record.status = 'FAILED';
    record.error = error;
    record.cause = failureCause(cause);
    record.stopDate = new Date();
    record.history.push({ type: 'ExecutionFailed', timestamp: Date.now(), error, cause: record.cause });
    this.endedByQuota.add(record.executionArn);
    void this.halt(record.executionArn);
  }

  /** Stops the engine's run of an execution, the tasks waiting for its tokens and its running children. */
  private async halt(executionArn: string): Promise<void> {
    this.running.get(executionArn)?.abort();
    // A task waiting for a token would otherwise keep its timeout timer, and the process, alive.
    for (const [token, task] of this.pendingTasks) {
      if (task.executionArn !== executionArn) continue;
      this.pendingTasks.delete(token);
      task.reject(Object.assign(new Error('the execution was stopped'), { name: 'States.Aborted' }));
    }
    for (const child of this.executions().filter((e) => e.parentArn === executionArn && e.status === 'RUNNING')) {
      await this.stop(child.executionArn);
    }
  }

  /** Stops every execution still running, so nothing outlives the AWS endpoint it calls. */
  async stopAll(): Promise<void> {
    const topLevel = this.executions().filter((e) => e.status === 'RUNNING' && !e.parentArn);
    await Promise.all(topLevel.map((e) => this.stop(e.executionArn, 'States.Aborted', 'the local runtime stopped')));
  }

  /** SendTaskSuccess: the waiting task ends with `output` as its result. */
  sendTaskSuccess(token: string, output: Json): void {
    this.takeTask(token).resolve(output);
  }

  /** SendTaskFailure: the waiting task fails with `error`, which the state's Retry and Catch match. */
  sendTaskFailure(token: string, error: string, cause: string): void {
    const failure = new Error(cause);
    failure.name = error;
    this.takeTask(token).reject(failure);
  }

  private takeTask(token: string): PendingTask {
    const pending = this.pendingTasks.get(token);
    if (!pending) throw new TaskDoesNotExist(`task token ${token.slice(0, 12)}… is unknown or already used`);
    this.pendingTasks.delete(token);
    if (this.records.get(pending.executionArn)?.status !== 'RUNNING') {
      throw new TaskTimedOut(`the task of token ${token.slice(0, 12)}… is no longer waiting`);
    }
    return pending;
  }

  private async follow(record: ExecutionRecord, events: AsyncGenerator<EventLog>) {
    let countHistoryAt = Math.ceil(MAX_HISTORY_EVENTS / AWS_EVENTS_PER_ENGINE_EVENT);
    for await (const event of events) {
      if (this.endedByQuota.has(record.executionArn)) continue;
      const entry = toHistoryEvent(event);
      record.history.push(entry);
      if (event.type === 'ExecutionFailed') {
        record.status = 'FAILED';
        record.error = entry.error;
        // ExecutionFailedEventDetails keeps 32,768 characters of a cause, as a task failure does.
        record.cause = entry.cause === undefined ? undefined : failureCause(entry.cause);
        record.stopDate = new Date(event.timestamp);
      }
      if (event.type === 'ExecutionAborted') record.status = 'ABORTED';
      this.options.onEvent?.(record, entry);
      this.limitStateOutput(record, event);
      if (record.history.length >= countHistoryAt) {
        countHistoryAt = this.limitHistory(record, event.type);
      }
    }
  }

  /** A state whose output is over the payload quota ends the execution, as States.DataLimitExceeded does. */
  private limitStateOutput(record: ExecutionRecord, event: EventLog) {
    if (event.type !== 'StateExited') return;
    const { name, output } = (event as { state: { name: string; output: unknown } }).state;
    this.limitPayload(record, `the output of state "${name}"`, output);
  }

  private limitPayload(record: ExecutionRecord, what: string, payload: unknown): void {
    const size = payloadBytes(payload);
    if (size <= MAX_PAYLOAD_BYTES) return;
    this.failTerminally(
      record,
      'States.DataLimitExceeded',
      `${what} is ${size} bytes, more than the ${MAX_PAYLOAD_BYTES} bytes Step Functions allows a payload`,
    );
  }

  /**
   * Counts the execution's history as GetExecutionHistory gives it and ends the execution when that reaches
   * 25,000 events with anything but its success; returns how long the engine's history may grow before it
   * could reach the limit.
   */
  private limitHistory(record: ExecutionRecord, type: string): number {
    const count = awsHistory(this, record).length;
    if (count < MAX_HISTORY_EVENTS) {
      return (
        record.history.length + Math.max(1, Math.floor((MAX_HISTORY_EVENTS - count) / AWS_EVENTS_PER_ENGINE_EVENT))
      );
    }
    // Only an execution whose 25,000th event is its success ends well.
    if (count > MAX_HISTORY_EVENTS || type !== 'ExecutionSucceeded') {
      // The error name is not documented; the cause is the words Step Functions ends such an execution with.
      this.failTerminally(
        record,
        'States.Runtime',
        `The execution reached the maximum number of history events (${MAX_HISTORY_EVENTS}).`,
      );
    }
    return Number.POSITIVE_INFINITY;
  }

  private bindTasks(loaded: LoadedMachine, executionArn: string) {
    const handlers = this.limitPayloads(this.bindEachTask(loaded, executionArn), executionArn);
    // AWS runs an inline Map 40 iterations at a time whatever MaxConcurrency says; the engine honours any
    // MaxConcurrency, so the tasks of each inline Map's iterations in this execution share one limit.
    const limits = new Map<string, <T>(work: () => Promise<T>) => Promise<T>>();
    for (const [state, map] of loaded.inlineMapOf) {
      const handler = handlers[state];
      if (!handler) continue;
      if (!limits.has(map)) limits.set(map, concurrencyLimit(MAX_INLINE_MAP_CONCURRENCY));
      const limit = limits.get(map);
      if (limit) handlers[state] = (input) => limit(() => handler(input));
    }
    return handlers;
  }

  /**
   * Holds every task to the payload quota: its Parameters' result going in and its result coming out. Before a
   * task starts, the engine's events so far are recorded, so a state before it that broke a quota has ended the
   * execution by then.
   */
  private limitPayloads(handlers: Record<string, EngineHandler>, executionArn: string) {
    const limited: Record<string, EngineHandler> = {};
    for (const [state, handler] of Object.entries(handlers)) {
      limited[state] = async (input) => {
        await new Promise((resolve) => setImmediate(resolve));
        const record = this.records.get(executionArn);
        if (!record) throw new ExecutionDoesNotExist(`execution ${executionArn} does not exist`);
        this.limitPayload(record, `the input of task "${state}"`, input);
        if (record.status !== 'RUNNING') throw quotaEnded(record);
        const output = await handler(input);
        this.limitPayload(record, `the result of task "${state}"`, output);
        if (record.status !== 'RUNNING') throw quotaEnded(record);
        return output;
      };
    }
    return limited;
  }

  private bindEachTask(loaded: LoadedMachine, executionArn: string) {
    const handlers: Record<string, EngineHandler> = {};
    for (const [state, resource] of loaded.taskStates) {
      if (resource === NESTED_SYNC) {
        handlers[state] = (input: { StateMachineArn: string; Input: Json; Name?: string }) =>
          this.runNested(input, executionArn);
        continue;
      }
      if (resource === WAIT_FOR_TOKEN) {
        handlers[state] = (input: { FunctionName: string; Payload: Json }) => this.waitForToken(input, executionArn);
        continue;
      }
      const integration = this.options.integrations?.[resource];
      if (integration) {
        handlers[state] = integration;
        continue;
      }
      if (!resource.startsWith('arn:aws:lambda:')) {
        throw new Error(`${loaded.name}: state "${state}" has no local binding for ${resource}`);
      }
      const fn = this.functionFor(resource);
      handlers[state] = (input: Json) => fn(input, lambdaContext(resource)).catch(crossingLambda);
    }
    return handlers;
  }

  /** `lambda:invoke.waitForTaskToken`: invokes the function with a fresh token, then waits for a decision on it. */
  private async waitForToken(input: { FunctionName: string; Payload: Json }, executionArn: string): Promise<Json> {
    const fn = this.functionFor(input.FunctionName);
    const token = `${randomUUID()}${randomUUID()}`.replaceAll('-', '');
    const decided = new Promise<Json>((resolve, reject) => {
      this.pendingTasks.set(token, { executionArn, resolve, reject });
    });
    // A stop fails the task even when nothing awaits it any more (the invoke failed, or the engine moved on).
    decided.catch(() => undefined);
    const payload = JSON.parse(JSON.stringify(input.Payload).replaceAll(TOKEN_PLACEHOLDER, token)) as Json;
    await fn(payload, lambdaContext(input.FunctionName)).catch(crossingLambda);
    return decided;
  }

  private functionFor(functionArn: string): LocalFunction {
    const variable = Object.keys(this.options.functions).find((v) => this.functionArn(v) === functionArn);
    const fn = variable ? this.options.functions[variable] : undefined;
    if (!fn) throw new Error(`no local function for ${functionArn}`);
    return fn;
  }

  /**
   * Makes the next `times` nested starts of `stateMachine` fail as StartExecution would refuse them (for
   * example `ExecutionLimitExceeded`), so a test sees the error name the integration raises.
   */
  refuseNestedStarts(stateMachine: string, error: string, times = 1): void {
    this.refusals.set(stateMachine, [...(this.refusals.get(stateMachine) ?? []), ...Array(times).fill(error)]);
  }

  /** `startExecution.sync:2`: resolves with the child's description, or fails the task as AWS does. */
  private async runNested(input: { StateMachineArn: string; Input: Json; Name?: string }, parentArn: string) {
    const child = asIntegrationError(
      () => this.byArn.get(input.StateMachineArn) ?? this.loadByArn(input.StateMachineArn),
    );
    const { AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID: _, ...childInput } = input.Input as Record<string, Json>;
    const refused = this.refusals.get(child.name)?.shift();
    if (refused) throw integrationError(Object.assign(new Error(`${refused} (local fault)`), { name: refused }));
    const started = asIntegrationError(() =>
      this.start(child.name, childInput, { ...(input.Name ? { name: input.Name } : {}), parentArn }),
    );
    const record = await (this.running.get(started.executionArn)?.done ?? started);
    // DescribeExecution's members in the order its API reference lists them, input before error and cause: the
    // order AWS writes the Cause in is not documented, and this is the one where a cut loses the child's error.
    const description = {
      ExecutionArn: record.executionArn,
      StateMachineArn: child.arn,
      Name: record.name,
      Status: record.status,
      StartDate: record.startDate.getTime(),
      StopDate: record.stopDate?.getTime(),
      Input: record.input,
      InputDetails: { Included: true },
    };
    if (record.status === 'SUCCEEDED') return { ...description, Output: record.output };
    const failure = new Error(
      failureCause(JSON.stringify({ ...description, Error: record.error, Cause: record.cause })),
    );
    failure.name = 'States.TaskFailed';
    throw failure;
  }

  private loadByArn(arn: string): LoadedMachine {
    const prefix = this.stateMachineArn('');
    if (!arn.startsWith(prefix)) throw new StateMachineDoesNotExist(`unknown state machine ${arn}`);
    return this.load(arn.slice(prefix.length));
  }

  /** Resolves once an execution of that name has started (at once if one has). */
  started(name: string): Promise<ExecutionRecord> {
    const record = this.describe(name);
    if (record) return Promise.resolve(record);
    return new Promise((resolve) => this.startWaiters.set(name, [...(this.startWaiters.get(name) ?? []), resolve]));
  }

  /** Resolves with the execution's record once it has ended (at once if it already has). */
  finished(nameOrArn: string): Promise<ExecutionRecord> {
    const record = this.describe(nameOrArn);
    if (!record) return Promise.reject(new ExecutionDoesNotExist(`execution ${nameOrArn} does not exist`));
    return this.running.get(record.executionArn)?.done ?? Promise.resolve(record);
  }

  /** Task states of a state machine and the resource each one calls (after substitution). */
  taskResources(stateMachine: string): Map<string, string> {
    return this.load(stateMachine).taskStates;
  }

  executions(): ExecutionRecord[] {
    return [...this.records.values()];
  }

  describe(nameOrArn: string): ExecutionRecord | undefined {
    return this.records.get(nameOrArn) ?? this.executions().find((r) => r.name === nameOrArn);
  }
}

/**
 * AWS reads a Task's `TimeoutSecondsPath` from the state's input; the local engine reads it after
 * `Parameters` were applied. Translates each such path through the Parameters field that carries it, so the
 * same ASL times out the same way in both.
 */
function translateTimeoutPaths(definition: { States: Record<string, unknown> }) {
  for (const raw of Object.values(definition.States)) {
    const state = raw as { TimeoutSecondsPath?: string; Parameters?: unknown; ItemProcessor?: never; Iterator?: never };
    const inner = state.ItemProcessor ?? state.Iterator;
    if (inner) translateTimeoutPaths(inner);
    if (!state.TimeoutSecondsPath || state.Parameters === undefined) continue;
    const translated = throughParameters(state.Parameters, state.TimeoutSecondsPath, '$');
    if (!translated)
      throw new Error(`TimeoutSecondsPath ${state.TimeoutSecondsPath} is not carried by the state's Parameters`);
    state.TimeoutSecondsPath = translated;
  }
}

function throughParameters(node: unknown, path: string, at: string): string | undefined {
  if (typeof node !== 'object' || node === null) return undefined;
  for (const [key, value] of Object.entries(node)) {
    if (key.endsWith('.$') && typeof value === 'string' && (path === value || path.startsWith(`${value}.`))) {
      return `${at}.${key.slice(0, -2)}${path.slice(value.length)}`;
    }
    const deeper = throughParameters(value, path, `${at}.${key}`);
    if (deeper) return deeper;
  }
  return undefined;
}

/**
 * What of an error crosses the Lambda boundary: Error is the thrown error's name (Lambda's `errorType`), Cause
 * is the runtime's JSON error document `{errorType, errorMessage, trace}`
 * (https://docs.aws.amazon.com/lambda/latest/dg/nodejs-exceptions.html). The local engine would otherwise report a
 * wrapped `cause` instead of the error itself.
 */
function crossingLambda(error: unknown): never {
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

/**
 * A task failure's Cause as Step Functions keeps it: at most 32,768 characters, cut without regard for JSON
 * (https://docs.aws.amazon.com/step-functions/latest/apireference/API_TaskFailedEventDetails.html).
 */
function failureCause(cause: string): string {
  return cause.slice(0, MAX_CAUSE_LENGTH);
}

export const MAX_CAUSE_LENGTH = 32_768;

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
function integrationError(error: Error): Error {
  const code = START_EXECUTION_ERRORS.has(error.name)
    ? error.name.replace(/(Exception)?$/, 'Exception')
    : 'AWSStepFunctionsException';
  return Object.assign(new Error(error.message), { name: `StepFunctions.${code}` });
}

/** What a task of an execution that has already ended throws: the engine's run is being stopped anyway. */
function quotaEnded(record: ExecutionRecord): Error {
  return Object.assign(new Error(record.cause ?? `the execution ended ${record.status}`), {
    name: record.error ?? 'States.Aborted',
  });
}

function asIntegrationError<T>(call: () => T): T {
  try {
    return call();
  } catch (error) {
    throw integrationError(error as Error);
  }
}

function collectStates(
  definition: { States: Record<string, unknown> },
  tasks: Map<string, string>,
  waits: string[],
  inlineMapOf: Map<string, string>,
  inlineMap?: string,
) {
  for (const [name, raw] of Object.entries(definition.States)) {
    const state = raw as {
      Type: string;
      Resource?: string;
      ItemProcessor?: { ProcessorConfig?: { Mode?: string }; States: Record<string, unknown> };
      Iterator?: { States: Record<string, unknown> };
      Branches?: { States: Record<string, unknown> }[];
    };
    if (state.Type === 'Task' && state.Resource) {
      tasks.set(name, state.Resource);
      if (inlineMap) inlineMapOf.set(name, inlineMap);
    }
    if (state.Type === 'Wait') waits.push(name);
    const distributed = state.ItemProcessor?.ProcessorConfig?.Mode === 'DISTRIBUTED';
    const inner = state.ItemProcessor ?? state.Iterator;
    if (inner) collectStates(inner, tasks, waits, inlineMapOf, distributed ? undefined : name);
    for (const branch of state.Branches ?? []) collectStates(branch, tasks, waits, inlineMapOf, inlineMap);
  }
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

function toHistoryEvent(event: EventLog): HistoryEvent {
  const e = event as {
    type: string;
    timestamp: number;
    state?: { name: string; type: string };
    parentState?: { name: string; type: string };
    index?: number;
    Error?: string;
    Cause?: unknown;
  };
  const state = e.state ?? e.parentState;
  return {
    type: e.type,
    timestamp: e.timestamp,
    ...(state ? { state: state.name, stateType: state.type } : {}),
    ...(e.index !== undefined ? { index: e.index } : {}),
    ...(e.Error !== undefined ? { error: e.Error } : {}),
    ...(e.Cause !== undefined ? { cause: typeof e.Cause === 'string' ? e.Cause : JSON.stringify(e.Cause) } : {}),
  };
}

export function lambdaContext(functionArn: string): Context {
  const functionName = functionArn.split(':').pop() ?? functionArn;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: functionArn,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => 900_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

function kebab(pascal: string): string {
  return pascal.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}
