// The shape every map-reading command shares: parse the arguments (a usage error exits 2), answer --help, check
// the arguments, read the map (or say where it is wrong), then run. Each command states only what is its own.

import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';
import type { DeploymentMap } from '../core/map/schema';
import type { CliIo } from './io';
import { loadMapOrReport } from './map-file';
import { parsedOrUsage, usageError } from './usage';

/** Every such command reads a map, `crossdeploy.yaml` unless `--map` names another, and answers `--help`. */
const COMMON_OPTIONS = {
  map: { type: 'string', default: 'crossdeploy.yaml' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface ParsedArgs<O extends ParseArgsOptionsConfig> {
  values: ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: boolean }>>['values'] & {
    map: string;
    help?: boolean | undefined;
  };
  positionals: string[];
}

/** Ways to refuse the arguments, each printing the usage and giving exit code 2. */
export interface Refuse {
  /** `crossdeploy <name>: <message>`, then the usage. */
  because: (message: string) => number;
  /** The usage alone. */
  usage: () => number;
}

export interface CommandSpec<O extends ParseArgsOptionsConfig, A> {
  name: string;
  usage: string;
  /** The command's own options; `--map` and `--help` come with every command. */
  options: O;
  positionals?: boolean;
  /** What a map that cannot be read exits with: 1, or 2 where the map is an argument to a change. */
  mapErrorExit?: 1 | 2;
  /** Checks the arguments before the map is read: the arguments `run` needs, or the exit code of a refusal. */
  check?: (parsed: ParsedArgs<O>, refuse: Refuse) => A | number;
  run: (command: { args: A; map: DeploymentMap; shown: string; io: CliIo; refuse: Refuse }) => Promise<number>;
}

export function cliCommand<const O extends ParseArgsOptionsConfig, A = ParsedArgs<O>>(
  spec: CommandSpec<O, A>,
): (args: string[], io: CliIo) => Promise<number> {
  return async (args, io) => {
    const { name, usage } = spec;
    const parsed = parsedOrUsage(
      name,
      usage,
      () =>
        parseArgs({
          args,
          allowPositionals: spec.positionals ?? false,
          options: { ...spec.options, ...COMMON_OPTIONS },
        }) as ParsedArgs<O>,
      io,
    );
    if (typeof parsed === 'number') return parsed;
    if (parsed.values.help) {
      io.out(usage);
      return 0;
    }
    const refuse: Refuse = {
      because: (message) => usageError(name, usage, message, io),
      usage: () => {
        io.err(usage);
        return 2;
      },
    };
    const checked = spec.check ? spec.check(parsed, refuse) : (parsed as A);
    if (typeof checked === 'number') return checked;
    const shown = parsed.values.map;
    const map = loadMapOrReport(name, shown, io);
    if (!map) return spec.mapErrorExit ?? 1;
    return spec.run({ args: checked, map, shown, io, refuse });
  };
}
