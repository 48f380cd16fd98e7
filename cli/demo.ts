import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadMapFile } from '../core/map/load';
import { planEnvironment } from '../core/map/plan';
import type { DeploymentMap } from '../core/map/schema';
import { deployCommit } from '../local/deploy-commit';
import { type LiveTarget, liveTargets } from '../local/live-targets';
import { progressPrinter } from '../local/progress';
import { startLocalRuntime } from '../local/runtime';
import { STARTING_IMAGE, seedRepository, seedTarget } from '../local/seed';
import type { CliIo } from './io';

const DEFAULT_MAP = fileURLToPath(new URL('../crossdeploy.yaml', import.meta.url));
const SERVICE = 'web';
const FAULTY = { account: '333333333333', region: 'eu-west-1' };
const ALARM = 'web-5xx';

/** A commit id the way git prints one: 40 hex characters, stable for a given label. */
export function demoCommit(label: string): string {
  return createHash('sha1').update(`crossdeploy demo commit ${label}`).digest('hex');
}

/**
 * The whole product on this machine: commit A goes to dev then prod; commit B goes to dev, then fails its
 * bake in one prod region, and the prod wave is rolled back. Exits 0 only when all of that happened.
 */
export async function run(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args, options: { map: { type: 'string' } } });
  const map = loadMapFile(values.map ? resolve(io.cwd, values.map) : DEFAULT_MAP);
  const service = map.services[SERVICE];
  if (!service) throw new Error(`the demo deploys service "${SERVICE}", which the map does not define`);

  const runtime = await startLocalRuntime({ onEvent: progressPrinter(io.out) });
  try {
    io.out(`crossdeploy demo: AWS APIs on ${runtime.endpoint} (moto + ECS scheduler simulator), no AWS account used\n`);
    await seedWorld(map);

    const commitA = demoCommit('A');
    const commitB = demoCommit('B');
    io.out(`\n== 1. commit ${commitA.slice(0, 7)} → dev, then prod`);
    const a1 = await deployCommit(runtime.stepFunctions, map, { service: SERVICE, branch: 'main', commit: commitA });
    const a2 = await deployCommit(runtime.stepFunctions, map, {
      service: SERVICE,
      branch: 'production',
      commit: commitA,
    });

    io.out(
      `\n== 2. commit ${commitB.slice(0, 7)} → dev, then prod; ${ALARM} fires in ${FAULTY.account}/${FAULTY.region}`,
    );
    runtime.scheduler.injectFault(FAULTY, { kind: 'alarm-after-rollout', alarm: ALARM });
    const b1 = await deployCommit(runtime.stepFunctions, map, { service: SERVICE, branch: 'main', commit: commitB });
    const b2 = await deployCommit(runtime.stepFunctions, map, {
      service: SERVICE,
      branch: 'production',
      commit: commitB,
    });

    const live = await liveTargets(map, SERVICE, runtime.stepFunctions.executions());
    printTable(io, live, { [commitA]: 'A', [commitB]: 'B' });

    const prodFailure = b2.environments[0]?.execution;
    const checks: [string, boolean][] = [
      ['commit A deployed to dev and prod', a1.succeeded && a2.succeeded],
      [
        'commit B deployed to dev',
        b1.succeeded && live.filter((t) => t.environment === 'dev').every((t) => t.commit === commitB),
      ],
      [
        'commit B failed in prod with DeploymentRolledBack',
        !b2.succeeded && prodFailure?.error === 'DeploymentRolledBack',
      ],
      [
        `the failure names ${FAULTY.account}, ${FAULTY.region} and ${ALARM}`,
        [FAULTY.account, FAULTY.region, ALARM].every((word) => prodFailure?.cause?.includes(word)),
      ],
      [
        'every prod target runs commit A again',
        live.filter((t) => t.environment === 'prod').every((t) => t.commit === commitA),
      ],
    ];
    io.out('');
    for (const [what, ok] of checks) io.out(`${ok ? '✔' : '✘'} ${what}`);
    if (prodFailure?.cause) io.out(`\nprod failure cause: ${prodFailure.cause}`);
    const executions = runtime.stepFunctions.executions();
    io.out(
      `\n${executions.length} executions (${executions.filter((e) => e.stateMachine === 'deploy-target').length} per-target)`,
    );
    return checks.every(([, ok]) => ok) ? 0 : 1;
  } finally {
    await runtime.stop();
  }
}

async function seedWorld(map: DeploymentMap) {
  const service = map.services[SERVICE];
  if (!service) return;
  await seedRepository(service.repository, map.orchestrator.region);
  const seen = new Set<string>();
  for (const environment of Object.keys(map.environments)) {
    const plan = planEnvironment(map, SERVICE, environment, {
      deploymentId: 'seed',
      commit: '0'.repeat(40),
      image: { repositoryUri: '', digest: `sha256:${'0'.repeat(64)}`, uri: '' },
    });
    for (const target of plan.waves.flatMap((w) => w.targets)) {
      const key = `${target.account}/${target.region}/${target.cluster}/${target.service}`;
      if (seen.has(key)) continue;
      seen.add(key);
      await seedTarget({ ...target, image: STARTING_IMAGE, alarms: plan.health.alarms });
    }
  }
}

function printTable(io: CliIo, live: LiveTarget[], labels: Record<string, string>) {
  const rows = live.map((t) => [
    t.environment,
    t.account,
    t.region,
    t.revision,
    t.digest ? `${t.digest.slice(0, 19)}…` : t.image,
    t.commit ? `${t.commit.slice(0, 7)} (${labels[t.commit] ?? '?'})` : 'before crossdeploy',
    t.result,
  ]);
  const header = ['ENVIRONMENT', 'ACCOUNT', 'REGION', 'REVISION', 'IMAGE DIGEST', 'COMMIT', 'RESULT'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  io.out(`\n${line(header)}`);
  for (const row of rows) io.out(line(row));
}
