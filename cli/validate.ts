import { parseArgs } from 'node:util';
import type { DeploymentMap } from '../core/map/schema';
import type { CliIo } from './io';
import { loadMapOrReport } from './map-file';
import { parsedOrUsage } from './usage';

const USAGE = 'usage: crossdeploy validate [--map FILE]   (default: crossdeploy.yaml)';

export async function run(args: string[], io: CliIo): Promise<number> {
  const parsed = parsedOrUsage(
    'validate',
    USAGE,
    () => parseArgs({ args, options: { map: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }),
    io,
  );
  if (typeof parsed === 'number') return parsed;
  const options = parsed.values;
  if (options.help) {
    io.out(USAGE);
    return 0;
  }

  const shown = options.map ?? 'crossdeploy.yaml';
  const map = loadMapOrReport('validate', shown, io);
  if (!map) return 1;
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
