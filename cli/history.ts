import { type ExecutionTree, executionArnOf, executionTree } from '../aws/executions';
import { type ExecutionFailure, formatElapsed, type TimelineRow } from '../core/timeline';
import { columns } from './columns';
import { cliCommand } from './command';
import { type PipelineApi, pipelineApi } from './pipeline-api';

const USAGE = 'usage: crossdeploy history <execution-name-or-arn> [--json] [--map FILE]';

/**
 * Levels of nested executions followed below the one asked for: a pipeline's environments, their waves' Map
 * Run children, the targets these start, and the targets' rollbacks, the deepest crossdeploy nests.
 */
const FOLLOW_DEPTH = 4;

/**
 * `history --json` prints one of these: the execution, its timeline, and the nested executions it started,
 * each in the same shape. Exactly these keys, in this order.
 */
export interface HistoryJson {
  name: string;
  executionArn: string;
  /** The state machine's name, e.g. `crossdeploy-prod-pipeline`. */
  stateMachine: string;
  status: string;
  /** ISO 8601. */
  startedAt: string;
  stoppedAt: string | null;
  durationMs: number | null;
  link: string;
  failure: ExecutionFailure | null;
  timeline: TimelineRow[];
  children: HistoryJson[];
}

/** `crossdeploy history`: one execution state by state, with its nested executions and its failure in plain words. */
export const run = cliCommand({
  name: 'history',
  usage: USAGE,
  options: { json: { type: 'boolean' } },
  positionals: true,
  check: ({ values, positionals }, refuse) => {
    const [execution, ...extra] = positionals;
    if (execution === undefined || extra.length > 0) return refuse.because('name exactly one execution');
    return { execution, json: values.json };
  },
  run: async ({ args: { execution, json }, map, io }) => {
    const api = await pipelineApi(io.cwd, map);
    let arn: string;
    try {
      arn = await executionArnOf(api.sfn, execution, [
        api.stateMachineArn('pipeline'),
        api.stateMachineArn('deploy-environment'),
        api.stateMachineArn('deploy-target'),
        api.stateMachineArn('rollback-target'),
      ]);
    } catch (error) {
      if ((error as Error).name !== 'ExecutionDoesNotExist') throw error;
      io.err(`crossdeploy history: ${(error as Error).message} (crossdeploy executions lists them)`);
      return 1;
    }
    const tree = toJson(await executionTree(api.sfn, arn, FOLLOW_DEPTH), api);
    if (json) io.out(JSON.stringify(tree, null, 2));
    else for (const line of describe(tree, 0)) io.out(line);
    return 0;
  },
});

function toJson(tree: ExecutionTree, api: PipelineApi): HistoryJson {
  return {
    name: tree.name,
    executionArn: tree.executionArn,
    stateMachine: tree.stateMachine,
    status: tree.status,
    startedAt: tree.startedAt,
    stoppedAt: tree.stoppedAt,
    durationMs: tree.durationMs,
    link: api.link(tree.executionArn),
    failure: tree.timeline.failure,
    timeline: tree.timeline.rows,
    children: tree.children.map((child) => toJson(child, api)),
  };
}

/**
 * The execution and its nested ones, each indented under the one that started it. Below the first level, a
 * nested execution that succeeded, with everything it started, gets one line: a wave of a hundred targets should not
 * bury the one that failed, and a Map Run child that caught its target's failure still shows it.
 */
function describe(tree: HistoryJson, level: number): string[] {
  const took = tree.durationMs === null ? 'running' : `in ${formatElapsed(tree.durationMs)}`;
  const head = `${tree.stateMachine} ${tree.name}  ${tree.status} ${took}`;
  if (level > 1 && allSucceeded(tree)) return [`${indent(level)}✔ ${head}`];
  const lines = [`${level === 0 ? '' : `${indent(level)}└ `}${head}`, `${indent(level)}  ${tree.link}`];
  if (tree.failure) lines.push(`${indent(level)}  ✘ ${tree.failure.inPlainWords}`);
  lines.push('');
  const started = Date.parse(tree.startedAt);
  const table = columns(
    ['STATE', 'TYPE', 'AT', 'DURATION', 'OUTCOME', 'DETAIL'],
    tree.timeline.map((row) => [
      row.state,
      row.type,
      `+${formatElapsed(Date.parse(row.enteredAt) - started)}`,
      row.durationMs === null ? '' : formatElapsed(row.durationMs),
      row.outcome,
      detailOf(row, tree),
    ]),
  );
  lines.push(...table.map((line) => `${indent(level)}  ${line}`), '');
  for (const child of tree.children) lines.push(...describe(child, level + 1));
  return lines;
}

/** The row's error, and the nested execution it started: a name shown below, or where to look otherwise. */
function detailOf(row: TimelineRow, tree: HistoryJson): string {
  const child = row.childExecutionArn;
  const followed = tree.children.some((c) => c.executionArn === child);
  const started = child ? `started ${child.split(':').pop()}${followed ? '' : ` (crossdeploy history ${child})`}` : '';
  return [row.error, started].filter(Boolean).join('; ');
}

function allSucceeded(tree: HistoryJson): boolean {
  return tree.status === 'SUCCEEDED' && tree.children.every(allSucceeded);
}

function indent(level: number): string {
  return '    '.repeat(level);
}
