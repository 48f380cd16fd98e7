import { parseArgs } from 'node:util';
import type { DeploymentMap } from '../core/map/schema';
import { MAX_INLINE_MAP_CONCURRENCY } from '../core/step-functions-limits';
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
  for (const warning of concurrencyWarnings(map)) io.err(`${shown}  ${warning}`);
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

/** Waves whose maxConcurrency the deploy-environment workflow's inline Map cannot honour. */
function concurrencyWarnings(map: DeploymentMap): string[] {
  return Object.entries(map.environments).flatMap(([name, env]) =>
    env.waves.flatMap((wave, i) =>
      wave.maxConcurrency > MAX_INLINE_MAP_CONCURRENCY
        ? [
            `environments.${name}.waves[${i}].maxConcurrency  warning: ${wave.maxConcurrency} is more than Step ` +
              `Functions runs at a time in an inline Map: this wave deploys ${MAX_INLINE_MAP_CONCURRENCY} targets at a time`,
          ]
        : [],
    ),
  );
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
