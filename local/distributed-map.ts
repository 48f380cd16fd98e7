// Distributed Map for the local engine, which runs only inline Maps: each DISTRIBUTED Map state becomes a Task
// bound to a map run that reads its items (ItemReader from S3, or ItemsPath), starts one child execution per item
// with its own history, honours MaxConcurrency and the tolerated failures, and writes the children's results to
// S3 as ResultWriter does. A child's history is its own, so the 25,000-event quota holds per item, as in AWS
// (https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html).
import { randomUUID } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { MAX_DISTRIBUTED_CONCURRENCY } from '../core/step-functions-limits';
import type { ExecutionRecord } from './step-functions';

/** The resource a DISTRIBUTED Map's stand-in Task calls; its label follows. */
export const DISTRIBUTED_MAP_RESOURCE = 'arn:aws:states:::crossdeploy-local:distributed-map';

type Fields = Record<string, unknown>;

/** A DISTRIBUTED Map state's own fields, kept for its map runs. */
export interface DistributedMapState {
  state: string;
  /** Names the map run and its children's state machine, as the state's `Label` does in AWS. */
  label: string;
  processor: { StartAt: string; States: Fields };
  ItemsPath?: string;
  ItemReader?: { Resource: string; ReaderConfig?: { InputType?: string }; Parameters: Fields };
  ItemSelector?: Fields;
  MaxConcurrency?: number;
  MaxConcurrencyPath?: string;
  ToleratedFailureCount?: number;
  ToleratedFailureCountPath?: string;
  ResultWriter?: { Resource: string; Parameters: Fields };
}

const MAP_ONLY_FIELDS = [
  'ItemsPath',
  'ItemReader',
  'ItemSelector',
  'ItemProcessor',
  'ItemBatcher',
  'MaxConcurrency',
  'MaxConcurrencyPath',
  'ToleratedFailureCount',
  'ToleratedFailureCountPath',
  'ToleratedFailurePercentage',
  'ToleratedFailurePercentagePath',
  'ResultWriter',
  'Label',
];

/**
 * Replaces every DISTRIBUTED Map among `states` with a Task the engine can run, keeping its Retry, Catch,
 * ResultSelector, ResultPath and transitions, and returns the Maps' own fields.
 */
export function extractDistributedMaps(machine: string, states: Fields): DistributedMapState[] {
  const found: DistributedMapState[] = [];
  for (const [name, raw] of Object.entries(states)) {
    const state = raw as Fields & {
      Type: string;
      ItemProcessor?: { ProcessorConfig?: { Mode?: string }; StartAt: string; States: Fields };
    };
    if (state.Type !== 'Map' || state.ItemProcessor?.ProcessorConfig?.Mode !== 'DISTRIBUTED') continue;
    for (const unsupported of ['ToleratedFailurePercentage', 'ToleratedFailurePercentagePath', 'ItemBatcher']) {
      if (unsupported in state) throw new Error(`${machine}: "${name}" uses ${unsupported}, which runs only in AWS`);
    }
    const { ProcessorConfig: _, ...processor } = state.ItemProcessor;
    const label = typeof state.Label === 'string' ? state.Label : kebab(name);
    found.push({
      ...(Object.fromEntries(MAP_ONLY_FIELDS.filter((f) => f in state).map((f) => [f, state[f]])) as Fields),
      state: name,
      label,
      processor: processor as DistributedMapState['processor'],
    });
    const task: Fields = {
      Type: 'Task',
      Resource: `${DISTRIBUTED_MAP_RESOURCE}:${label}`,
      Parameters: { 'input.$': '$' },
    };
    for (const [field, value] of Object.entries(state)) {
      if (field !== 'Type' && field !== 'Parameters' && !MAP_ONLY_FIELDS.includes(field)) task[field] = value;
    }
    states[name] = task;
  }
  return found;
}

/** The Map Run's failure when more children failed than it tolerates; no Catch of the workflow's own names it. */
export class ExceedToleratedFailureThreshold extends Error {
  override name = 'States.ExceedToleratedFailureThreshold';
}

class ItemReaderFailed extends Error {
  override name = 'States.ItemReaderFailed';
}

class ResultWriterFailed extends Error {
  override name = 'States.ResultWriterFailed';
}

class MapRunRuntime extends Error {
  override name = 'States.Runtime';
}

export interface MapRunDeps {
  s3: S3Client;
  /** The parent execution, whose `$$.Execution` the ItemSelector may read. */
  execution: { Id: string; Name: string };
  mapRunArn: string;
  /** Starts the child execution of item `index` with `input` and resolves once it has ended. */
  runChild: (input: unknown, index: number) => Promise<ExecutionRecord>;
  /** Stops a running child, as a failed Map Run stops the children still in progress. */
  stopChild: (record: ExecutionRecord) => Promise<void>;
  /** The children started so far, to stop when the run fails. */
  running: () => ExecutionRecord[];
}

/** One map run: resolves with the Map state's result, or throws the error its Catch sees. */
export async function runMap(map: DistributedMapState, input: unknown, deps: MapRunDeps): Promise<unknown> {
  const items = await readItems(map, input, deps.s3);
  const concurrency = resolveCount(map, 'MaxConcurrency', input) || MAX_DISTRIBUTED_CONCURRENCY;
  if (concurrency > MAX_DISTRIBUTED_CONCURRENCY) {
    throw new MapRunRuntime(
      `"${map.state}": MaxConcurrency ${concurrency} is more than the ${MAX_DISTRIBUTED_CONCURRENCY} a Distributed Map runs at once`,
    );
  }
  const tolerated = resolveCount(map, 'ToleratedFailureCount', input);
  const records: (ExecutionRecord | undefined)[] = Array(items.length).fill(undefined);
  let next = 0;
  let failed = 0;
  let exceeded = false;
  const worker = async () => {
    while (!exceeded && next < items.length) {
      const index = next++;
      const childInput = map.ItemSelector
        ? select(map.ItemSelector, input, { ...deps.execution, item: { Index: index, Value: items[index] } })
        : items[index];
      const record = await deps.runChild(childInput, index);
      records[index] = record;
      if (record.status !== 'SUCCEEDED' && ++failed > tolerated && !exceeded) {
        exceeded = true;
        await Promise.all(deps.running().map((child) => deps.stopChild(child)));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  const result = map.ResultWriter ? await writeResults(map, input, records, deps) : compact(records);
  if (exceeded) {
    throw new ExceedToleratedFailureThreshold(
      `The specified tolerated failure threshold was exceeded: ${failed} of ${items.length} child executions failed, ${tolerated} tolerated (map run ${deps.mapRunArn})`,
    );
  }
  return result;
}

async function readItems(map: DistributedMapState, input: unknown, s3: S3Client): Promise<unknown[]> {
  const reader = map.ItemReader;
  if (!reader) {
    const items = path(input, map.ItemsPath ?? '$', undefined);
    if (!Array.isArray(items)) throw new MapRunRuntime(`"${map.state}": ItemsPath ${map.ItemsPath} is not an array`);
    return items;
  }
  if (reader.Resource !== 'arn:aws:states:::s3:getObject' || reader.ReaderConfig?.InputType !== 'JSON') {
    throw new Error(`"${map.state}": the local engine reads items only from a JSON object in S3`);
  }
  const { Bucket, Key } = select(reader.Parameters, input, undefined) as { Bucket: string; Key: string };
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket, Key }));
    const items = JSON.parse((await object.Body?.transformToString()) ?? '') as unknown;
    if (!Array.isArray(items)) throw new Error('the object is not a JSON array');
    return items;
  } catch (error) {
    throw new ItemReaderFailed(
      `"${map.state}" could not read its items from s3://${Bucket}/${Key}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}

/**
 * The results as ResultWriter exports them, with the NONE transformation: each child's description with its input
 * and output as JSON text, one file per status and a manifest naming them
 * (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-resultwriter.html).
 */
async function writeResults(
  map: DistributedMapState,
  input: unknown,
  records: (ExecutionRecord | undefined)[],
  deps: MapRunDeps,
): Promise<unknown> {
  const writer = map.ResultWriter as NonNullable<DistributedMapState['ResultWriter']>;
  const { Bucket, Prefix } = select(writer.Parameters, input, undefined) as { Bucket: string; Prefix?: string };
  const folder = `${Prefix ? `${Prefix.replace(/\/$/, '')}/` : ''}${deps.mapRunArn.split(':').at(-1)}`;
  const byStatus = { SUCCEEDED: [] as unknown[], FAILED: [] as unknown[], PENDING: [] as unknown[] };
  for (const record of records) {
    if (!record) continue;
    const status = record.status === 'SUCCEEDED' ? 'SUCCEEDED' : record.status === 'RUNNING' ? 'PENDING' : 'FAILED';
    byStatus[status].push(resultOf(record));
  }
  const files: Record<string, { Key: string; Size: number }[]> = { FAILED: [], PENDING: [], SUCCEEDED: [] };
  try {
    for (const [status, results] of Object.entries(byStatus)) {
      if (results.length === 0) continue;
      const body = JSON.stringify(results);
      const key = `${folder}/${status}_0.json`;
      await deps.s3.send(new PutObjectCommand({ Bucket, Key: key, Body: body, ContentType: 'application/json' }));
      files[status]?.push({ Key: key, Size: Buffer.byteLength(body) });
    }
    const manifest = { DestinationBucket: Bucket, MapRunArn: deps.mapRunArn, ResultFiles: files };
    const key = `${folder}/manifest.json`;
    await deps.s3.send(new PutObjectCommand({ Bucket, Key: key, Body: JSON.stringify(manifest) }));
    return { MapRunArn: deps.mapRunArn, ResultWriterDetails: { Bucket, Key: key } };
  } catch (error) {
    throw new ResultWriterFailed(`"${map.state}" could not write its results to s3://${Bucket}/${folder}`, {
      cause: error,
    });
  }
}

function resultOf(record: ExecutionRecord) {
  return {
    ExecutionArn: record.executionArn,
    Input: JSON.stringify(record.input),
    InputDetails: { Included: true },
    Name: record.name,
    ...(record.status === 'SUCCEEDED'
      ? { Output: JSON.stringify(record.output), OutputDetails: { Included: true } }
      : { ...(record.error ? { Error: record.error } : {}), ...(record.cause ? { Cause: record.cause } : {}) }),
    StartDate: record.startDate.toISOString(),
    StateMachineArn: record.executionArn.replace(':execution:', ':stateMachine:').replace(/:[^:]+$/, ''),
    Status: record.status,
    ...(record.stopDate ? { StopDate: record.stopDate.toISOString() } : {}),
  };
}

/** Without ResultWriter the Map's result is every child's output, in the items' order. */
function compact(records: (ExecutionRecord | undefined)[]): unknown[] {
  return records.map((r) => (r?.status === 'SUCCEEDED' ? r.output : null));
}

function resolveCount(map: DistributedMapState, field: 'MaxConcurrency' | 'ToleratedFailureCount', input: unknown) {
  const fromPath = map[`${field}Path`];
  const value = fromPath === undefined ? (map[field] ?? 0) : path(input, fromPath, undefined);
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new MapRunRuntime(`"${map.state}": ${field} must be a non-negative integer, not ${JSON.stringify(value)}`);
  }
  return value;
}

interface SelectorContext {
  Id: string;
  Name: string;
  item: { Index: number; Value: unknown };
}

/** Applies a Parameters-like template: keys ending in `.$` take the value their path names. */
function select(template: unknown, input: unknown, context: SelectorContext | undefined): unknown {
  if (Array.isArray(template)) return template.map((t) => select(t, input, context));
  if (typeof template !== 'object' || template === null) return template;
  return Object.fromEntries(
    Object.entries(template).map(([key, value]) =>
      key.endsWith('.$')
        ? [key.slice(0, -2), path(input, String(value), context)]
        : [key, select(value, input, context)],
    ),
  );
}

/** The dotted JSONPath subset crossdeploy's Distributed Maps use: `$.a.b`, `$$.Map.Item.Value.x`, `$$.Execution.Id`. */
function path(input: unknown, expression: string, context: SelectorContext | undefined): unknown {
  const contextObject = context
    ? { Execution: { Id: context.Id, Name: context.Name }, Map: { Item: context.item } }
    : undefined;
  const [root, rest] = expression.startsWith('$$')
    ? [contextObject, expression.slice(2)]
    : expression.startsWith('$')
      ? [input, expression.slice(1)]
      : [undefined, expression];
  if (root === undefined || (rest !== '' && !/^(\.[A-Za-z0-9_]+)+$/.test(rest))) {
    throw new Error(`the local Distributed Map cannot read the path ${expression}`);
  }
  let value: unknown = root;
  for (const segment of rest.split('.').slice(1)) {
    value = typeof value === 'object' && value !== null ? (value as Fields)[segment] : undefined;
    if (value === undefined) throw new MapRunRuntime(`the path ${expression} names nothing in the state's input`);
  }
  return value;
}

export function newMapRunArn(region: string, account: string, machine: string, label: string): string {
  return `arn:aws:states:${region}:${account}:mapRun:${machine}/${label}:${randomUUID()}`;
}

function kebab(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}
