import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadMapFile, MapInvalid } from '../core/map/load';
import type { DeploymentMap } from '../core/map/schema';
import type { CliIo } from './io';

const USAGE = 'usage: crossdeploy validate [--map FILE]   (default: crossdeploy.yaml)';

export async function run(args: string[], io: CliIo): Promise<number> {
  let options: { map?: string; help?: boolean };
  try {
    options = parseArgs({ args, options: { map: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }).values;
  } catch (error) {
    io.err(`crossdeploy validate: ${(error as Error).message}`);
    io.err(USAGE);
    return 2;
  }
  if (options.help) {
    io.out(USAGE);
    return 0;
  }

  // Errors name the file the way the user wrote it, so they can paste the location into an editor.
  const shown = options.map ?? 'crossdeploy.yaml';
  let map: DeploymentMap;
  try {
    map = loadMapFile(resolve(io.cwd, shown));
  } catch (error) {
    if (error instanceof MapInvalid) {
      for (const e of error.errors) io.err([`${shown}:${e.line}`, e.path, e.message].filter(Boolean).join('  '));
    } else {
      io.err(`crossdeploy validate: ${(error as Error).message}`);
    }
    return 1;
  }
  io.out(`${shown} is valid: ${summarize(map)}`);
  return 0;
}

function summarize(map: DeploymentMap): string {
  const environments = Object.values(map.environments);
  const targets = environments
    .flatMap((env) => env.waves)
    .flatMap((wave) => wave.targets)
    .reduce((count, target) => count + target.regions.length, 0);
  return [
    count(Object.keys(map.services).length, 'service'),
    count(environments.length, 'environment'),
    count(targets, 'target'),
  ].join(', ');
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
