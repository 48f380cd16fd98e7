import { runDoctor } from '../aws/doctor-checks';
import { type DoctorRow, exitCodeOf, fixesOf, summaryOf } from '../core/doctor';
import { filterProblem } from '../core/status';
import { columns } from './columns';
import { cliCommand } from './command';
import type { CliIo } from './io';
import { useLocalEndpoint } from './local-endpoint';

const USAGE =
  'usage: crossdeploy doctor [--map FILE] [--service NAME] [--env NAME] [--json]   (default map: crossdeploy.yaml)';

/** Beyond one round of concurrent targets, a silent run looks hung: say as each target is done. */
const PROGRESS_ABOVE_TARGETS = 8;

const COLUMNS = ['ENVIRONMENT', 'ACCOUNT', 'REGION', 'CHECK', 'RESULT', 'DETAIL'] as const;

/**
 * `crossdeploy doctor`: before the first push, whether every target a deployment would reach is ready for it.
 * Exits 1 when a check FAILs, 0 otherwise (WARN included), 2 on a usage error.
 */
export const run = cliCommand({
  name: 'doctor',
  usage: USAGE,
  options: { service: { type: 'string' }, env: { type: 'string' }, json: { type: 'boolean' } },
  run: async ({ args: { values: options }, map, io }) => {
    // Refused as crossdeploy status refuses them, so both commands take the same --service and --env.
    const filter = { service: options.service, env: options.env };
    const problem = filterProblem(map, filter);
    if (problem) {
      io.err(`crossdeploy doctor: ${problem}`);
      return 2;
    }

    await useLocalEndpoint(io.cwd, map);
    // A `.crossdeploy/local.json` outlives the `crossdeploy local` that wrote it: say which AWS this is.
    if (process.env.AWS_ENDPOINT_URL) {
      io.err(`crossdeploy doctor: checking the AWS endpoint ${process.env.AWS_ENDPOINT_URL}, not AWS itself`);
    }
    const rows = await runDoctor(map, {
      ...filter,
      onTargetDone: (done, total, target) => {
        if (total > PROGRESS_ABOVE_TARGETS) {
          io.err(
            `doctor: ${done}/${total} checked ${target.service} ${target.environment} ${target.account}/${target.region}`,
          );
        }
      },
    });

    if (options.json) io.out(JSON.stringify(rows, null, 2));
    else printReport(rows, io);
    return exitCodeOf(rows);
  },
});

function printReport(rows: readonly DoctorRow[], io: CliIo): void {
  const services = [...new Set(rows.map((row) => row.service))];
  for (const service of services) {
    const own = rows.filter((row) => row.service === service);
    if (services.length > 1) io.out(`service ${service}`);
    const cells = own.map((row) => [row.environment, row.account, row.region, row.check, row.result, row.detail]);
    for (const line of columns(COLUMNS, cells)) io.out(line);
    io.out('');
  }
  const fixes = fixesOf(rows);
  if (fixes.length > 0) {
    io.out('To fix:');
    for (const fix of fixes) {
      io.out(`  ${fix.result} ${fix.check} in ${fix.where.join(', ')}:`);
      io.out(`    ${fix.fix}`);
    }
    io.out('');
  }
  io.out(summaryOf(rows));
}
