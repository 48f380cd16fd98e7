import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { readTargetAccountTemplate } from '../core/iam/target-account';
import type { CliIo } from './io';
import { parsedOrUsage } from './usage';

const USAGE = [
  'usage: crossdeploy bootstrap --print > target-account.yaml',
  '',
  'Prints the CloudFormation template of a target account: the deploy role the orchestrator assumes and the rule',
  "that forwards ECS deployment and alarm events to the orchestrator's bus. The SST app distributes it to the OUs",
  "of the map's `bootstrap` key with a service-managed StackSet; print it for self-managed StackSets or to deploy",
  'it by hand (then leave DeployRoleRegion empty, or set it to the one region that creates the role).',
].join('\n');

// The template ships beside the CLI's sources, not in the user's working directory.
const APP_ROOT = fileURLToPath(new URL('..', import.meta.url));

export async function run(args: string[], io: CliIo): Promise<number> {
  const parsed = parsedOrUsage(
    'bootstrap',
    USAGE,
    () => parseArgs({ args, options: { print: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } }),
    io,
  );
  if (typeof parsed === 'number') return parsed;
  const options = parsed.values;
  if (options.help) {
    io.out(USAGE);
    return 0;
  }
  // Deploying from here would need Organizations permissions the CLI should not ask for: the SST app does it.
  if (!options.print) {
    io.err(USAGE);
    return 2;
  }
  // io.out ends every write with a newline, which the file already has.
  io.out(readTargetAccountTemplate(APP_ROOT).replace(/\n$/, ''));
  return 0;
}
