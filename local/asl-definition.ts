// Turns one of crossdeploy's ASL files into the definition the local engine runs: the same file as in AWS, with
// its `${...}` substitutions resolved locally and the few places the engine reads ASL differently translated.
import { readFileSync } from 'node:fs';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { type DistributedMapState, extractDistributedMaps } from './distributed-map';

/** Where the local runtime's `${...}` substitutions come from. */
export interface LocalNames {
  stateMachineArn: (name: string) => string;
  functionArn: (variable: string) => string;
  /** The Lambda handlers, by the substitution variable that names them. */
  functions: Record<string, unknown>;
  /** Values for the other substitutions. */
  values: Record<string, string> | undefined;
}

export type WaitLength = { seconds: number } | { secondsPath: string } | { timestamp: true };

export interface PreparedDefinition {
  definition: StateMachineDefinition;
  /** Each Task state and the resource it calls, after substitution. */
  taskStates: Map<string, string>;
  /** Each Wait state and how long it waits: `Seconds`, or the `SecondsPath` that says. */
  waitStates: Map<string, WaitLength>;
  /** Task states inside an inline Map's iterations, by the name of the nearest such Map. */
  inlineMapOf: Map<string, string>;
  /** Each DISTRIBUTED Map, now a Task of the same name, with its item processor prepared as a machine of its own. */
  distributedMaps: (DistributedMapState & { prepared: PreparedDefinition })[];
}

export function prepareDefinition(folder: URL, name: string, names: LocalNames): PreparedDefinition {
  const text = readFileSync(new URL(`${name}.asl.json`, folder), 'utf8');
  const substituted = text.replace(/\$\{(\w+)\}/g, (_, variable: string) => {
    if (variable.endsWith('StateMachineArn'))
      return names.stateMachineArn(kebab(variable.replace(/StateMachineArn$/, '')));
    if (variable.endsWith('FunctionArn')) {
      if (!names.functions[variable]) throw new Error(`${name}.asl.json: no local function for \${${variable}}`);
      return names.functionArn(variable);
    }
    const value = names.values?.[variable];
    // Substituted inside JSON strings: a value with quotes or newlines (the buildspec) stays one string.
    if (value !== undefined) return JSON.stringify(value).slice(1, -1);
    throw new Error(`${name}.asl.json: unknown substitution \${${variable}}`);
  });
  return prepared(JSON.parse(substituted) as StateMachineDefinition, name);
}

function prepared(definition: StateMachineDefinition, name: string): PreparedDefinition {
  const distributedMaps = extractDistributedMaps(name, definition.States as Record<string, unknown>).map((map) => ({
    ...map,
    prepared: prepared(map.processor as StateMachineDefinition, `${name}/${map.label}`),
  }));
  moveTokenTimers(definition);
  defaultTaskTimeouts(definition);
  const taskStates = new Map<string, string>();
  const waitStates = new Map<string, WaitLength>();
  const inlineMapOf = new Map<string, string>();
  collectStates(definition, taskStates, waitStates, inlineMapOf);
  return { definition, taskStates, waitStates, inlineMapOf, distributedMaps };
}

/** A `.waitForTaskToken` task's own timers travel to the local binding under these keys of its Parameters. */
export const TOKEN_TIMER_KEYS = {
  TimeoutSeconds: 'CrossdeployLocalTimeoutSeconds',
  HeartbeatSeconds: 'CrossdeployLocalHeartbeatSeconds',
} as const;

const WAIT_FOR_TOKEN = 'arn:aws:states:::lambda:invoke.waitForTaskToken';

/**
 * A token wait's TimeoutSeconds and HeartbeatSeconds (or their paths) are kept by the local binding
 * (local/task-tokens.ts), which the engine cannot do: it has no heartbeats, reads a path after Parameters rather
 * than from the state's input, and counts real seconds where the local runtime may run faster. Each timer moves
 * into the task's Parameters, where a path reads the state's input exactly as AWS reads the timer's path.
 */
function moveTokenTimers(definition: { States: Record<string, unknown> }) {
  for (const [name, raw] of Object.entries(definition.States)) {
    const state = raw as Record<string, unknown> & { ItemProcessor?: never; Iterator?: never; Branches?: never[] };
    const inner = state.ItemProcessor ?? state.Iterator;
    if (inner) moveTokenTimers(inner);
    for (const branch of state.Branches ?? []) moveTokenTimers(branch);
    if (state.Type !== 'Task') continue;
    const paths = ['TimeoutSecondsPath', 'HeartbeatSecondsPath', 'HeartbeatSeconds'].filter((f) => f in state);
    if (state.Resource !== WAIT_FOR_TOKEN) {
      if (paths.length > 0) throw new Error(`state "${name}": the local runtime keeps ${paths[0]} of token waits only`);
      continue;
    }
    const parameters = state.Parameters as Record<string, unknown>;
    for (const [timer, key] of Object.entries(TOKEN_TIMER_KEYS)) {
      if (state[timer] !== undefined) parameters[key] = state[timer];
      if (state[`${timer}Path`] !== undefined) parameters[`${key}.$`] = state[`${timer}Path`];
      delete state[timer];
      delete state[`${timer}Path`];
    }
  }
}

/**
 * A Task without TimeoutSeconds runs as long as AWS's default of 99,999,999 seconds allows
 * (https://docs.aws.amazon.com/step-functions/latest/dg/state-task.html); the local engine would stop it after 60.
 * Node's timers hold at most 2^31-1 ms, about 24.8 days: longer than any local run.
 */
const LOCAL_TASK_TIMEOUT_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

function defaultTaskTimeouts(definition: { States: Record<string, unknown> }) {
  for (const raw of Object.values(definition.States)) {
    const state = raw as {
      Type: string;
      TimeoutSeconds?: number;
      TimeoutSecondsPath?: string;
      ItemProcessor?: never;
      Iterator?: never;
      Branches?: never[];
    };
    const inner = state.ItemProcessor ?? state.Iterator;
    if (inner) defaultTaskTimeouts(inner);
    for (const branch of state.Branches ?? []) defaultTaskTimeouts(branch);
    if (state.Type === 'Task' && state.TimeoutSeconds === undefined && state.TimeoutSecondsPath === undefined) {
      state.TimeoutSeconds = LOCAL_TASK_TIMEOUT_SECONDS;
    }
  }
}

function collectStates(
  definition: { States: Record<string, unknown> },
  tasks: Map<string, string>,
  waits: Map<string, WaitLength>,
  inlineMapOf: Map<string, string>,
  inlineMap?: string,
) {
  for (const [name, raw] of Object.entries(definition.States)) {
    const state = raw as {
      Type: string;
      Resource?: string;
      ItemProcessor?: { States: Record<string, unknown> };
      Iterator?: { States: Record<string, unknown> };
      Branches?: { States: Record<string, unknown> }[];
    };
    if (state.Type === 'Task' && state.Resource) {
      tasks.set(name, state.Resource);
      if (inlineMap) inlineMapOf.set(name, inlineMap);
    }
    if (state.Type === 'Wait') waits.set(name, waitLength(state as WaitState));
    const inner = state.ItemProcessor ?? state.Iterator;
    if (inner) collectStates(inner, tasks, waits, inlineMapOf, name);
    for (const branch of state.Branches ?? []) collectStates(branch, tasks, waits, inlineMapOf, inlineMap);
  }
}

type WaitState = { Seconds?: number; SecondsPath?: string };

function waitLength(state: WaitState): WaitLength {
  if (state.Seconds !== undefined) return { seconds: state.Seconds };
  if (state.SecondsPath !== undefined) return { secondsPath: state.SecondsPath };
  return { timestamp: true };
}

function kebab(pascal: string): string {
  return pascal.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}
