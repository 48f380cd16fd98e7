import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { locator } from '../core/map/load';
import type { DeploymentMap } from '../core/map/schema';
import { payloadBudgetFindings } from '../core/payload-budget';
import { cliCommand } from './command';

const USAGE = 'usage: crossdeploy validate [--map FILE]   (default: crossdeploy.yaml)';

export const run = cliCommand({
  name: 'validate',
  usage: USAGE,
  options: {},
  run: async ({ map, shown, io }) => {
    const errors = payloadErrors(map, () => readFileSync(resolve(io.cwd, shown), 'utf8'));
    for (const error of errors) io.err(`${shown}:${error.line}  ${error.path}  ${error.message}`);
    if (errors.length > 0) return 1;
    io.out(`${shown} is valid: ${summarize(map)}`);
    return 0;
  },
});

/**
 * Workflows that would outgrow Step Functions' 256 KiB payload quota and fail with States.DataLimitExceeded
 * half-way through: refused here, before anything is deployed. Each points at the map as written.
 */
function payloadErrors(map: DeploymentMap, text: () => string) {
  const findings = payloadBudgetFindings(map);
  if (findings.length === 0) return [];
  const locate = locator(text());
  return findings
    .map((finding) => ({ ...locate(finding.path), message: finding.message }))
    .sort((a, b) => a.line - b.line);
}

function summarize(map: DeploymentMap): string {
  const environments = Object.values(map.environments);
  const targets = environments
    .flatMap((env) => env.waves)
    .flatMap((wave) => wave.targets)
    .reduce((count, target) => count + target.regions.length, 0);
  const applications = Object.keys(map.applications).length;
  return [
    count(Object.keys(map.services).length, 'service'),
    ...(applications > 0 ? [count(applications, 'application stack')] : []),
    count(environments.length, 'environment'),
    count(targets, 'target'),
  ].join(', ');
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
