// The local Step Functions engine: runs crossdeploy's ASL files in-process and keeps each execution's record
// and lifecycle as the Step Functions API describes it, so the local runtime behaves as the deployed one does.
import { randomUUID } from 'node:crypto';
import { S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { StateMachine } from 'aws-local-stepfunctions';
import { MAX_PAYLOAD_BYTES, payloadBytes } from '../core/step-functions-limits';
import { type PreparedDefinition, prepareDefinition } from './asl-definition';
import { newMapRunArn, runMap } from './distributed-map';
import { failureCause, HistoryQuota, limitTaskPayloads, type QuotaBreach, stateOutput } from './execution-quotas';
import './node-version';
import { awsHistory } from './sfn-history';
import {
  asIntegrationError,
  bindEachTask,
  integrationError,
  type NestedStart,
  nestedResult,
  shareInlineMapLimits,
} from './task-bindings';
import { TaskTokens, TOKEN_PLACEHOLDER } from './task-tokens';

type Json = unknown;
type EventLog = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;
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
  /** The largest output of any of its states so far, in bytes as Step Functions counts a payload. */
  largestStateBytes?: number;
  /** The Map Runs its Distributed Maps started, in order. */
  mapRuns?: string[];
  /** The Map Run that started it, for a Distributed Map's child execution. */
  mapRunArn?: string;
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
  /**
   * How long every Wait state pauses, in ms, whatever the ASL says: the tests and the demo, whose ECR replicas and
   * stacks are simulated, run their polls back to back with 0. Unset, a Wait lasts what its state says, at
   * `timeScale`; with neither set, 0.
   */
  waitMs?: number;
  /**
   * Local seconds per real second for Wait states (when `waitMs` is unset) and token waits' timeouts: 1 (the
   * default) is real time, 60 runs a 10-minute bake in 10 seconds.
   */
  timeScale?: number;
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

interface LoadedMachine extends Omit<PreparedDefinition, 'definition'> {
  name: string;
  arn: string;
  machine: StateMachine;
}

const EXECUTION_NAME = /^[A-Za-z0-9_-]{1,80}$/;

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
  private readonly tokens: TaskTokens;
  private readonly startWaiters = new Map<string, ((record: ExecutionRecord) => void)[]>();
  private readonly refusals = new Map<string, string[]>();
  /** Executions a quota ended: the engine's own last events after that are not theirs. */
  private readonly endedByQuota = new Set<string>();
  private s3: S3Client | undefined;

  constructor(private readonly options: LocalStepFunctionsOptions) {
    this.tokens = new TaskTokens(
      (functionArn) => this.functionFor(functionArn),
      (executionArn) => this.records.get(executionArn)?.status === 'RUNNING',
      options.timeScale ?? 1,
    );
  }

  stateMachineArn(name: string): string {
    return `arn:aws:states:${this.options.region}:${this.options.account}:stateMachine:crossdeploy-local-${name}`;
  }

  private functionArn(variable: string): string {
    return `arn:aws:lambda:${this.options.region}:${this.options.account}:function:crossdeploy-local-${variable.replace(/FunctionArn$/, '')}`;
  }

  private load(name: string): LoadedMachine {
    const loaded = this.machines.get(name);
    if (loaded) return loaded;
    return this.register(
      name,
      prepareDefinition(this.options.definitions, name, {
        stateMachineArn: (machine) => this.stateMachineArn(machine),
        functionArn: (variable) => this.functionArn(variable),
        functions: this.options.functions,
        values: this.options.values,
      }),
    );
  }

  /** A machine and, as machines of their own named `<machine>/<label>`, its Distributed Maps' item processors. */
  private register(name: string, prepared: PreparedDefinition): LoadedMachine {
    const { definition, ...states } = prepared;
    const machine: LoadedMachine = {
      name,
      arn: this.stateMachineArn(name),
      machine: new StateMachine(definition),
      ...states,
    };
    this.machines.set(name, machine);
    this.byArn.set(machine.arn, machine);
    for (const map of prepared.distributedMaps) this.register(`${name}/${map.label}`, map.prepared);
    return machine;
  }

  /** Runs an execution to its end and resolves with its record (never rejects on failure). */
  run(stateMachine: string, input: Json, opts: { name?: string; parentArn?: string } = {}): Promise<ExecutionRecord> {
    const record = this.start(stateMachine, input, opts);
    return this.running.get(record.executionArn)?.done ?? Promise.resolve(record);
  }

  /** Starts an execution and returns at once, as StartExecution does. */
  start(
    stateMachine: string,
    input: Json,
    opts: { name?: string; parentArn?: string; mapRunArn?: string } = {},
  ): ExecutionRecord {
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
      ...(opts.mapRunArn ? { mapRunArn: opts.mapRunArn } : {}),
    };
    this.records.set(executionArn, record);
    for (const resolve of this.startWaiters.get(name) ?? []) resolve(record);
    this.startWaiters.delete(name);

    const execution = loaded.machine.run(input as never, {
      noThrowOnAbort: true,
      overrides: {
        taskResourceLocalHandlers: this.bindTasks(loaded, executionArn),
        waitTimeOverrides: this.waitTimes(loaded, input),
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

  /**
   * Each Wait state's pause in ms. The engine takes one fixed pause per state, so a `SecondsPath` is read from the
   * execution's input, where crossdeploy's workflows keep every interval; a path that is not there is refused.
   */
  private waitTimes(loaded: LoadedMachine, input: Json): Record<string, number> {
    const { waitMs, timeScale } = this.options;
    const times: Record<string, number> = {};
    for (const [state, length] of loaded.waitStates) {
      if (waitMs !== undefined || timeScale === undefined) times[state] = waitMs ?? 0;
      else if ('seconds' in length) times[state] = (length.seconds * 1000) / timeScale;
      else if ('secondsPath' in length) {
        const seconds = valueAt(input, length.secondsPath);
        if (typeof seconds !== 'number') {
          throw new Error(
            `${loaded.name}: Wait state "${state}" reads ${length.secondsPath}, which the execution's input does not hold`,
          );
        }
        times[state] = (seconds * 1000) / timeScale;
      }
    }
    return times;
  }

  /** StopExecution: the execution ends ABORTED; its nested executions are stopped with it. */
  async stop(executionArn: string, error?: string, cause?: string): Promise<ExecutionRecord> {
    const record = this.record(executionArn);
    const running = this.running.get(executionArn);
    if (!running) return record;
    record.status = 'ABORTED';
    if (error) record.error = error;
    if (cause) record.cause = cause;
    record.stopDate = new Date();
    await this.halt(executionArn);
    return running.done;
  }

  private record(executionArn: string): ExecutionRecord {
    const record = this.records.get(executionArn);
    if (!record) throw new ExecutionDoesNotExist(`execution ${executionArn} does not exist`);
    return record;
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
    this.tokens.abandon(executionArn);
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
    this.tokens.succeed(token, output);
  }

  /** SendTaskFailure: the waiting task fails with `error`, which the state's Retry and Catch match. */
  sendTaskFailure(token: string, error: string, cause: string): void {
    this.tokens.fail(token, error, cause);
  }

  private async follow(record: ExecutionRecord, events: AsyncGenerator<EventLog>) {
    const history = new HistoryQuota();
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
      const exited = stateOutput(event);
      if (exited) {
        record.largestStateBytes = Math.max(record.largestStateBytes ?? 0, exited.bytes);
        this.enforce(record, exited.breach);
      }
      this.enforce(
        record,
        history.check(record.history.length, event.type, () => awsHistory(this, record).length),
      );
    }
  }

  private enforce(record: ExecutionRecord, breach: QuotaBreach | undefined): void {
    if (breach) this.failTerminally(record, breach.error, breach.cause);
  }

  private bindTasks(loaded: LoadedMachine, executionArn: string) {
    const handlers = bindEachTask(loaded.name, loaded.taskStates, {
      lambda: (functionArn) => this.functionFor(functionArn),
      integrations: this.options.integrations,
      nested: (input) => this.runNested(input, executionArn),
      waitForToken: (input) => this.tokens.invoke(input, executionArn),
      distributedMap: (label) => (input) => this.runMapRun(loaded, label, input.input, executionArn),
    });
    const limited = limitTaskPayloads(
      handlers,
      () => this.record(executionArn),
      (record, breach) => this.enforce(record, breach),
    );
    return shareInlineMapLimits(limited, loaded.inlineMapOf);
  }

  /** One run of a Distributed Map: each item a child execution of the map's processor, parented to this execution. */
  private runMapRun(loaded: LoadedMachine, label: string, input: Json, executionArn: string) {
    const map = loaded.distributedMaps.find((m) => m.label === label);
    if (!map) throw new Error(`${loaded.name}: no Distributed Map labelled ${label}`);
    const processor = `${loaded.name}/${label}`;
    const mapRunArn = newMapRunArn(
      this.options.region,
      this.options.account,
      `crossdeploy-local-${loaded.name}`,
      label,
    );
    const runId = mapRunArn.split(':').at(-1)?.slice(0, 8) ?? label;
    const children: ExecutionRecord[] = [];
    const parent = this.record(executionArn);
    parent.mapRuns = [...(parent.mapRuns ?? []), mapRunArn];
    this.s3 ??= new S3Client({ region: this.options.region });
    return runMap(map, input, {
      s3: this.s3,
      execution: { Id: executionArn, Name: parent.name },
      mapRunArn,
      runChild: (childInput, index) => {
        const child = this.start(processor, childInput, {
          name: `${runId}-${index}`,
          parentArn: executionArn,
          mapRunArn,
        });
        children.push(child);
        return this.running.get(child.executionArn)?.done ?? Promise.resolve(child);
      },
      stopChild: async (child) => {
        await this.stop(child.executionArn, 'States.Aborted', `map run ${mapRunArn} failed`);
      },
      running: () => children.filter((c) => c.status === 'RUNNING'),
    });
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
  private async runNested(input: NestedStart, parentArn: string) {
    const child = asIntegrationError(
      () => this.byArn.get(input.StateMachineArn) ?? this.loadByArn(input.StateMachineArn),
    );
    const { AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID: _, ...childInput } = input.Input as Record<string, Json>;
    const refused = this.refusals.get(child.name)?.shift();
    if (refused) throw integrationError(Object.assign(new Error(`${refused} (local fault)`), { name: refused }));
    const started = asIntegrationError(() =>
      this.start(child.name, childInput, { ...(input.Name ? { name: input.Name } : {}), parentArn }),
    );
    return nestedResult(await (this.running.get(started.executionArn)?.done ?? started), child.arn);
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

  /** Every execution `record` started, and theirs in turn: a Distributed Map's children and what they started. */
  descendants(record: ExecutionRecord): ExecutionRecord[] {
    const children = this.executions().filter((e) => e.parentArn === record.executionArn);
    return children.flatMap((child) => [child, ...this.descendants(child)]);
  }

  describe(nameOrArn: string): ExecutionRecord | undefined {
    return this.records.get(nameOrArn) ?? this.executions().find((r) => r.name === nameOrArn);
  }
}

/** `$.a.b` in `input`: the plain member paths the workflows' Wait states use. */
function valueAt(input: Json, path: string): unknown {
  return path
    .replace(/^\$\.?/, '')
    .split('.')
    .filter(Boolean)
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], input);
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
