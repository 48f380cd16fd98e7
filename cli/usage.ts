import type { CliIo } from './io';

/** Runs a command's argument parsing; a usage error (an unknown flag, a missing value) prints the usage and exits 2. */
export function parsedOrUsage<T>(command: string, usage: string, parse: () => T, io: CliIo): T | number {
  try {
    return parse();
  } catch (error) {
    io.err(`crossdeploy ${command}: ${(error as Error).message}`);
    io.err(usage);
    return 2;
  }
}
