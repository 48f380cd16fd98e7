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

export interface PreparedDefinition {
  definition: StateMachineDefinition;
  /** Each Task state and the resource it calls, after substitution. */
  taskStates: Map<string, string>;
  waitStates: string[];
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
  translateTimeoutPaths(definition);
  defaultTaskTimeouts(definition);
  const taskStates = new Map<string, string>();
  const waitStates: string[] = [];
  const inlineMapOf = new Map<string, string>();
  collectStates(definition, taskStates, waitStates, inlineMapOf);
  return { definition, taskStates, waitStates, inlineMapOf, distributedMaps };
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
      ItemProcessor?: { States: Record<string, unknown> };
      Iterator?: { States: Record<string, unknown> };
      Branches?: { States: Record<string, unknown> }[];
    };
    if (state.Type === 'Task' && state.Resource) {
      tasks.set(name, state.Resource);
      if (inlineMap) inlineMapOf.set(name, inlineMap);
    }
    if (state.Type === 'Wait') waits.push(name);
    const inner = state.ItemProcessor ?? state.Iterator;
    if (inner) collectStates(inner, tasks, waits, inlineMapOf, name);
    for (const branch of state.Branches ?? []) collectStates(branch, tasks, waits, inlineMapOf, inlineMap);
  }
}

function kebab(pascal: string): string {
  return pascal.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}
