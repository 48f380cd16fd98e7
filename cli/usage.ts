import type { CliIo } from './io';

/** A usage error of `crossdeploy <command>`: says what is wrong, prints the usage, and gives the exit code, 2. */
export function usageError(command: string, usage: string, message: string, io: CliIo): number {
  io.err(`crossdeploy ${command}: ${message}`);
  io.err(usage);
  return 2;
}

/** Runs a command's argument parsing; a usage error (an unknown flag, a missing value) prints the usage and exits 2. */
export function parsedOrUsage<T>(command: string, usage: string, parse: () => T, io: CliIo): T | number {
  try {
    return parse();
  } catch (error) {
    return usageError(command, usage, (error as Error).message, io);
  }
}
