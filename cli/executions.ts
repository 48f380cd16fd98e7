import type { ExecutionStatus } from '@aws-sdk/client-sfn';
import { listPipelineExecutions, type PipelineExecution } from '../aws/executions';
import { shortCommit } from '../core/approval-message';
import { formatElapsed } from '../core/timeline';
import { columns } from './columns';
import { cliCommand } from './command';
import { pipelineApi } from './pipeline-api';

const USAGE =
  'usage: crossdeploy executions [--service NAME] [--status RUNNING|SUCCEEDED|FAILED|ABORTED|TIMED_OUT] ' +
  '[--limit N] [--json] [--map FILE]';
const STATUSES: readonly ExecutionStatus[] = ['RUNNING', 'SUCCEEDED', 'FAILED', 'ABORTED', 'TIMED_OUT'];
const DEFAULT_LIMIT = 20;

/**
 * `executions --json` prints an array of these, newest first: a pipeline execution's keys in their order, then
 * `link`, the execution in the Step Functions console or in `crossdeploy local`'s console.
 */
export type ExecutionsJsonRow = PipelineExecution & { link: string };

/** `crossdeploy executions`: recent pipeline executions, newest first. Exits 2 on a usage error. */
export const run = cliCommand({
  name: 'executions',
  usage: USAGE,
  options: {
    service: { type: 'string' },
    status: { type: 'string' },
    limit: { type: 'string' },
    json: { type: 'boolean' },
  },
  check: ({ values: options }, refuse) => {
    const status = options.status?.toUpperCase();
    if (status !== undefined && !STATUSES.includes(status as ExecutionStatus)) {
      return refuse.because(`--status must be one of ${STATUSES.join(', ')}, not "${options.status}"`);
    }
    const limit = Number(options.limit ?? DEFAULT_LIMIT);
    if (!Number.isInteger(limit) || limit < 1) {
      return refuse.because(`--limit must be a whole number of at least 1, not "${options.limit}"`);
    }
    return { options, status, limit };
  },
  run: async ({ args: { options, status, limit }, map, shown, io, refuse }) => {
    if (options.service !== undefined && !map.services[options.service] && !map.applications[options.service]) {
      return refuse.because(
        `service "${options.service}" is not in ${shown} (services: ${[...Object.keys(map.services), ...Object.keys(map.applications)].join(', ')})`,
      );
    }

    const api = await pipelineApi(io.cwd, map);
    const executions = await listPipelineExecutions(api.sfn, api.stateMachineArn('pipeline'), {
      limit,
      ...(options.service === undefined ? {} : { service: options.service }),
      ...(status === undefined ? {} : { status: status as ExecutionStatus }),
    });
    const rows: ExecutionsJsonRow[] = executions.map((e) => ({
      name: e.name,
      status: e.status,
      service: e.service,
      branch: e.branch,
      commit: e.commit,
      startedAt: e.startedAt,
      stoppedAt: e.stoppedAt,
      durationMs: e.durationMs,
      reason: e.reason,
      executionArn: e.executionArn,
      link: api.link(e.executionArn),
    }));

    if (options.json) {
      io.out(JSON.stringify(rows, null, 2));
      return 0;
    }
    if (rows.length === 0) {
      io.out('no pipeline executions');
      return 0;
    }
    const header = ['NAME', 'STATUS', 'SERVICE', 'BRANCH', 'COMMIT', 'STARTED (UTC)', 'DURATION', 'LINK'];
    for (const line of columns(header, rows.map(cellsOf))) io.out(line);
    return 0;
  },
});

function cellsOf(row: ExecutionsJsonRow): string[] {
  return [
    row.name,
    row.status,
    row.service ?? '?',
    row.branch ?? '?',
    row.commit === null ? '?' : shortCommit(row.commit),
    row.startedAt.slice(0, 19).replace('T', ' '),
    row.durationMs === null ? 'running' : formatElapsed(row.durationMs),
    row.link,
  ];
}
