import { parseArgs } from 'node:util';
import type { ExecutionStatus } from '@aws-sdk/client-sfn';
import { listPipelineExecutions, type PipelineExecution } from '../aws/executions';
import { shortCommit } from '../core/approval-message';
import { formatElapsed } from '../core/timeline';
import { columns } from './columns';
import type { CliIo } from './io';
import { loadMapOrReport } from './map-file';
import { pipelineApi } from './pipeline-api';
import { parsedOrUsage, usageError } from './usage';

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
export async function run(args: string[], io: CliIo): Promise<number> {
  const parsed = parsedOrUsage(
    'executions',
    USAGE,
    () =>
      parseArgs({
        args,
        options: {
          service: { type: 'string' },
          status: { type: 'string' },
          limit: { type: 'string' },
          json: { type: 'boolean' },
          map: { type: 'string' },
          help: { type: 'boolean', short: 'h' },
        },
      }),
    io,
  );
  if (typeof parsed === 'number') return parsed;
  const options = parsed.values;
  if (options.help) {
    io.out(USAGE);
    return 0;
  }
  const status = options.status?.toUpperCase();
  if (status !== undefined && !STATUSES.includes(status as ExecutionStatus)) {
    return usageError(
      'executions',
      USAGE,
      `--status must be one of ${STATUSES.join(', ')}, not "${options.status}"`,
      io,
    );
  }
  const limit = Number(options.limit ?? DEFAULT_LIMIT);
  if (!Number.isInteger(limit) || limit < 1) {
    return usageError('executions', USAGE, `--limit must be a whole number of at least 1, not "${options.limit}"`, io);
  }
  const shown = options.map ?? 'crossdeploy.yaml';
  const map = loadMapOrReport('executions', shown, io);
  if (!map) return 1;
  if (options.service !== undefined && !map.services[options.service]) {
    return usageError(
      'executions',
      USAGE,
      `service "${options.service}" is not in ${shown} (services: ${Object.keys(map.services).join(', ')})`,
      io,
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
}

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
