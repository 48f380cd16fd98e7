import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  type ExecutionStatus,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { failureInPlainWords } from '../core/failure';
import { type Timeline, timelineOf } from '../core/timeline';
import { executionArnIn } from '../stacks/arns';
import { mapBounded } from './bounded';

// What the operator commands and the local console read of the orchestrator's executions, through the Step
// Functions API: AWS's, or the local runtime's, which answers the same calls.

export type SfnLike = Pick<SFNClient, 'send'>;

/** One pipeline execution: one service × one pushed commit. Fixed key order: `executions --json` prints it. */
export interface PipelineExecution {
  name: string;
  status: string;
  service: string | null;
  branch: string | null;
  /** The full commit id. */
  commit: string | null;
  /** ISO 8601. */
  startedAt: string;
  stoppedAt: string | null;
  /** Null while it runs. */
  durationMs: number | null;
  /** Why it failed or was stopped, in plain words; null otherwise. */
  reason: string | null;
  executionArn: string;
}

export interface ListOptions {
  service?: string;
  status?: ExecutionStatus;
  limit: number;
}

/** DescribeExecution calls at once: the input says service, branch and commit, one call per execution. */
const DESCRIBE_CONCURRENCY = 8;

/** Pipeline executions newest first, as ListExecutions orders them, with what their input says. */
export async function listPipelineExecutions(
  sfn: SfnLike,
  pipelineArn: string,
  options: ListOptions,
): Promise<PipelineExecution[]> {
  const found: PipelineExecution[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(
      new ListExecutionsCommand({
        stateMachineArn: pipelineArn,
        ...(options.status ? { statusFilter: options.status } : {}),
        maxResults: 100,
        ...(nextToken ? { nextToken } : {}),
      }),
    );
    nextToken = page.nextToken;
    // Execution names start with the service's name: only those can be its pipelines, the input decides.
    const candidates = (page.executions ?? []).filter(
      (e) => options.service === undefined || e.name?.startsWith(`${options.service}-`),
    );
    const described = await mapBounded(candidates, DESCRIBE_CONCURRENCY, (e) =>
      sfn.send(new DescribeExecutionCommand({ executionArn: e.executionArn })),
    );
    for (const execution of described.map(pipelineExecution)) {
      if (options.service !== undefined && execution.service !== options.service) continue;
      found.push(execution);
      if (found.length === options.limit) return found;
    }
  } while (nextToken);
  return found;
}

function pipelineExecution(d: DescribeExecutionCommandOutput): PipelineExecution {
  const input = parseObject(d.input);
  const field = (key: string) => (typeof input[key] === 'string' ? (input[key] as string) : null);
  const startedAt = d.startDate ?? new Date(0);
  return {
    name: d.name ?? '',
    status: d.status ?? 'RUNNING',
    service: field('serviceName'),
    branch: field('branch'),
    commit: field('commit'),
    startedAt: startedAt.toISOString(),
    stoppedAt: d.stopDate?.toISOString() ?? null,
    durationMs: d.stopDate ? d.stopDate.getTime() - startedAt.getTime() : null,
    reason: d.error || d.cause ? failureInPlainWords(d.error, d.cause) : null,
    executionArn: d.executionArn ?? '',
  };
}

/** One execution, state by state, with the nested executions it started, followed `depth` levels down. */
export interface ExecutionTree {
  name: string;
  executionArn: string;
  /** The state machine's name: `crossdeploy-<stage>-pipeline`, `...-deploy-environment`, ... */
  stateMachine: string;
  status: string;
  startedAt: string;
  stoppedAt: string | null;
  durationMs: number | null;
  timeline: Timeline;
  children: ExecutionTree[];
}

const FOLLOW_CONCURRENCY = 4;

export async function executionTree(sfn: SfnLike, executionArn: string, depth: number): Promise<ExecutionTree> {
  const [description, events] = await Promise.all([
    sfn.send(new DescribeExecutionCommand({ executionArn })),
    allEvents(sfn, executionArn),
  ]);
  const timeline = timelineOf(events);
  const started = depth > 0 ? [...timeline.children, ...(await mapRunChildren(sfn, timeline.mapRuns))] : [];
  const children = await mapBounded(started, FOLLOW_CONCURRENCY, (child) => executionTree(sfn, child, depth - 1));
  const { durationMs, startedAt, stoppedAt, status, name } = pipelineExecution(description);
  return {
    name,
    executionArn,
    stateMachine: (description.stateMachineArn ?? '').split(':').pop() ?? '',
    status,
    startedAt,
    stoppedAt,
    durationMs,
    timeline,
    children,
  };
}

/** The child executions of each Map Run, oldest first, as ListExecutions lists them by the Map Run's ARN. */
async function mapRunChildren(sfn: SfnLike, mapRuns: string[]): Promise<string[]> {
  const arns: string[] = [];
  for (const mapRunArn of mapRuns) {
    const listed: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await sfn.send(
        new ListExecutionsCommand({ mapRunArn, maxResults: 1000, ...(nextToken ? { nextToken } : {}) }),
      );
      listed.push(...(page.executions ?? []).flatMap((e) => (e.executionArn ? [e.executionArn] : [])));
      nextToken = page.nextToken;
    } while (nextToken);
    arns.push(...listed.reverse());
  }
  return arns;
}

async function allEvents(sfn: SfnLike, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, ...(nextToken ? { nextToken } : {}) }),
    );
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

/** DescribeExecution of the execution, or undefined when it does not exist. */
export async function describeIfExists(
  sfn: SfnLike,
  executionArn: string,
): Promise<DescribeExecutionCommandOutput | undefined> {
  try {
    return await sfn.send(new DescribeExecutionCommand({ executionArn }));
  } catch (error) {
    if ((error as Error).name === 'ExecutionDoesNotExist') return undefined;
    throw error;
  }
}

/**
 * The ARN of an execution given by name or ARN. A name is looked up among the state machines given, in
 * order (the pipeline first): execution names are unique per state machine only.
 */
export async function executionArnOf(sfn: SfnLike, nameOrArn: string, stateMachineArns: string[]): Promise<string> {
  if (nameOrArn.startsWith('arn:')) return nameOrArn;
  for (const stateMachineArn of stateMachineArns) {
    const candidate = executionArnIn(stateMachineArn, nameOrArn);
    if (await describeIfExists(sfn, candidate)) return candidate;
  }
  throw Object.assign(
    new Error(`no execution named "${nameOrArn}" in ${stateMachineArns.map((a) => a.split(':').pop()).join(', ')}`),
    { name: 'ExecutionDoesNotExist' },
  );
}

function parseObject(text: string | undefined): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(text ?? '{}');
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
