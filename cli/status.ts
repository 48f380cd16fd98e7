import { liveStatus } from '../aws/status';
import { shortCommit } from '../core/approval-message';
import { templateStackText } from '../core/stacks/template-status';
import { exitCodeOf, filterProblem, type StatusRow, summaryOf } from '../core/status';
import { columns } from './columns';
import { cliCommand } from './command';
import { useLocalEndpoint } from './local-endpoint';

const USAGE = [
  'usage: crossdeploy status [--service NAME] [--env NAME] [--json] [--map FILE]   (default map: crossdeploy.yaml)',
  'exits 0 when every target runs what crossdeploy deployed there (or is being deployed), 1 when any target',
  'drifted, was never deployed by crossdeploy or could not be read, 2 on a usage error',
].join('\n');

const COLUMNS = [
  'SERVICE',
  'ENVIRONMENT',
  'ACCOUNT',
  'REGION',
  'CLUSTER/SERVICE',
  'COMMIT',
  'REVISION',
  'SINCE',
  'BY',
  'LAST',
  'ENV TEMPLATE',
  'SVC TEMPLATE',
  'DRIFT',
] as const;

/** `crossdeploy status`: what runs where, one row per target, and whether it is what crossdeploy deployed. */
export const run = cliCommand({
  name: 'status',
  usage: USAGE,
  options: { service: { type: 'string' }, env: { type: 'string' }, json: { type: 'boolean' } },
  run: async ({ args: { values: options }, map, io }) => {
    const filter = { service: options.service, env: options.env };
    const problem = filterProblem(map, filter);
    if (problem) {
      io.err(`crossdeploy status: ${problem}`);
      return 2;
    }

    await useLocalEndpoint(io.cwd, map);
    // A `.crossdeploy/local.json` outlives the `crossdeploy local` that wrote it: say which AWS this is.
    if (process.env.AWS_ENDPOINT_URL) {
      io.err(`crossdeploy status: reading the AWS endpoint ${process.env.AWS_ENDPOINT_URL}, not AWS itself`);
    }
    const rows = await liveStatus(map, filter);

    if (options.json) {
      io.out(JSON.stringify(rows, null, 2));
    } else {
      // DRIFT last and unpadded, so a long error only makes its own line long.
      for (const line of columns(COLUMNS, rows.map(cellsOf))) io.out(line);
      io.out('');
      io.out(summaryOf(rows));
    }
    return exitCodeOf(rows);
  },
});

// Empty cells print as "-" so that every line has all its columns.
function cellsOf(row: StatusRow): string[] {
  const last = row.lastDeployment;
  return [
    row.service,
    row.environment,
    row.account,
    row.region,
    row.stack ? `stack ${row.stack.name}` : `${row.cluster}/${row.ecsService}`,
    row.commit ? shortCommit(row.commit) : '-',
    row.taskDefinition ?? '-',
    // Whole seconds: the milliseconds of a deployment's end say nothing to a reader.
    row.since ? row.since.replace(/\.\d+Z$/, 'Z') : '-',
    row.by ? `${row.by}${row.kind === 'rollback' ? ' (rollback)' : ''}` : '-',
    last ? `${last.kind === 'rollback' ? 'rollback ' : ''}${last.result} ${shortCommit(last.commit)}` : '-',
    templateStackText(row.environmentStack),
    // An application stack is its own template: COMMIT says which.
    row.stack ? '-' : templateStackText(row.serviceStack),
    row.detail,
  ];
}
