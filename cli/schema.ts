import { parseArgs } from 'node:util';
import { z } from 'zod';
import { DeploymentMapSchema } from '../core/map/schema';
import type { CliIo } from './io';

const USAGE = 'usage: crossdeploy schema > crossdeploy.schema.json';

/** Prints the JSON Schema of what authors write (inputs, before defaults), for editor completion. */
export async function run(args: string[], io: CliIo): Promise<number> {
  let help: boolean | undefined;
  try {
    help = parseArgs({ args, options: { help: { type: 'boolean', short: 'h' } } }).values.help;
  } catch (error) {
    io.err(`crossdeploy schema: ${(error as Error).message}`);
    io.err(USAGE);
    return 2;
  }
  if (help) {
    io.out(USAGE);
    return 0;
  }
  io.out(JSON.stringify(z.toJSONSchema(DeploymentMapSchema, { io: 'input', target: 'draft-2020-12' }), null, 2));
  return 0;
}
