import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadMapFile } from '../core/map/load';
import { environmentTargets } from '../core/map/plan';
import type { DeploymentMap } from '../core/map/schema';
import { executionName } from '../core/push';
import { approvalLinkIn, decide, deliverGithubPush } from '../local/actors';
import { type LiveTarget, liveTargets } from '../local/live-targets';
import { progressPrinter } from '../local/progress';
import { STARTING_IMAGE, seedTarget } from '../local/seed';
import { type LocalStack, startLocalStack } from '../local/stack';
import type { ExecutionRecord } from '../local/step-functions';
import type { CliIo } from './io';

const DEFAULT_MAP = fileURLToPath(new URL('../crossdeploy.yaml', import.meta.url));
const SERVICE = 'web';
const FAULTY = { account: '333333333333', region: 'eu-west-1' };
const ALARM = 'web-5xx';
const APPROVER = 'jane.approver@example.com';

/** A commit id the way git prints one: 40 hex characters, stable for a given label. */
export function demoCommit(label: string): string {
  return createHash('sha1').update(`crossdeploy demo commit ${label}`).digest('hex');
}

/**
 * The whole product on this machine, from git push to production: pushes arrive as signed GitHub webhooks,
 * prod waits for an approver who opens the e-mailed link and approves on the page. Commit A reaches dev and
 * prod; commit B reaches dev, then fails its bake in one prod region and the prod wave is rolled back.
 * Exits 0 only when all of that happened.
 */
export async function run(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args, options: { map: { type: 'string' } } });
  const mapFile = values.map ? resolve(io.cwd, values.map) : DEFAULT_MAP;
  const map = loadMapFile(mapFile);
  const service = map.services[SERVICE];
  if (!service || !('github' in service.source)) {
    throw new Error(`the demo pushes service "${SERVICE}" from GitHub, which the map does not define`);
  }
  const repository = service.source.github;

  const stack = await startLocalStack({
    map,
    mapFile,
    stateDir: mkdtempSync(join(tmpdir(), 'crossdeploy-demo-')),
    out: io.out,
    onEvent: progressPrinter(io.out),
  });
  try {
    io.out(`crossdeploy demo: AWS APIs on ${stack.runtime.endpoint} (moto + ECS scheduler + Step Functions)`);
    io.out(`HTTP API on ${stack.url}; no AWS account used\n`);
    await seedTargets(map);
    const deliver = (branch: string, commit: string, message: string) =>
      deliverPush(stack, { repository, branch, commit, message });

    const commitA = demoCommit('A');
    const commitB = demoCommit('B');
    io.out(`== 1. git push main ${commitA.slice(0, 7)}: dev`);
    const a1 = await deliver('main', commitA, 'Serve the new landing page');
    io.out(`\n== 2. git push production ${commitA.slice(0, 7)}: prod, after approval`);
    const a2 = await deliverAndApprove(stack, io, () => deliver('production', commitA, 'Serve the new landing page'));

    io.out(`\n== 3. git push main ${commitB.slice(0, 7)}: dev`);
    stack.runtime.scheduler.injectFault(FAULTY, { kind: 'alarm-after-rollout', alarm: ALARM });
    const b1 = await deliver('main', commitB, 'Cache the catalogue');
    io.out(
      `\n== 4. git push production ${commitB.slice(0, 7)}: prod, after approval; ${ALARM} fires in ${FAULTY.account}/${FAULTY.region}`,
    );
    const b2 = await deliverAndApprove(stack, io, () => deliver('production', commitB, 'Cache the catalogue'));

    const live = await liveTargets(map, SERVICE, stack.runtime.stepFunctions.executions());
    printTable(io, live, { [commitA]: 'A', [commitB]: 'B' });

    const checks: [string, boolean][] = [
      ['commit A deployed to dev, then to prod after approval', a1.status === 'SUCCEEDED' && a2.status === 'SUCCEEDED'],
      ['commit B deployed to dev', b1.status === 'SUCCEEDED' && on(live, 'dev', commitB)],
      [
        'commit B failed in prod with DeploymentRolledBack',
        b2.status === 'FAILED' && b2.error === 'DeploymentRolledBack',
      ],
      [
        `the failure names ${FAULTY.account}, ${FAULTY.region} and ${ALARM}`,
        [FAULTY.account, FAULTY.region, ALARM].every((word) => b2.cause?.includes(word)),
      ],
      ['every prod target runs commit A again', on(live, 'prod', commitA)],
    ];
    io.out('');
    for (const [what, ok] of checks) io.out(`${ok ? '✔' : '✘'} ${what}`);
    if (b2.cause) io.out(`\nprod failure cause: ${b2.cause}`);
    const executions = stack.runtime.stepFunctions.executions();
    io.out(
      `\n${executions.length} executions: ${count(executions, 'pipeline')} pipelines, ` +
        `${count(executions, 'deploy-environment')} environments, ${count(executions, 'deploy-target')} targets, ` +
        `${count(executions, 'rollback-target')} rollbacks`,
    );
    return checks.every(([, ok]) => ok) ? 0 : 1;
  } finally {
    await stack.stop();
  }
}

/** A developer pushes; GitHub delivers the signed webhook; the pipeline it starts runs to its end. */
async function deliverPush(
  stack: LocalStack,
  push: { repository: string; branch: string; commit: string; message: string },
): Promise<ExecutionRecord> {
  const response = await deliverGithubPush(stack.url, process.env.CROSSDEPLOY_GITHUB_WEBHOOK_SECRET ?? '', push);
  if (response.status !== 202) throw new Error(`the webhook answered ${response.status}: ${await response.text()}`);
  const started = await stack.runtime.stepFunctions.started(executionName(SERVICE, push.branch, push.commit));
  return stack.runtime.stepFunctions.finished(started.executionArn);
}

/** The approver's side: read the e-mail, open the link (which decides nothing), then approve on the page. */
async function deliverAndApprove(stack: LocalStack, io: CliIo, deliver: () => Promise<ExecutionRecord>) {
  const approval = stack.nextApprovalMessage().then(async (message) => {
    const link = approvalLinkIn(message);
    const page = await fetch(link);
    io.out(`  approver opens the link: ${page.status}, nothing decided yet`);
    const decided = await decide(link, 'approve', APPROVER, 'Looks good');
    io.out(`  ${APPROVER} approves on the page: ${decided.status}`);
  });
  const [execution] = await Promise.all([deliver(), approval]);
  return execution;
}

async function seedTargets(map: DeploymentMap) {
  const seen = new Set<string>();
  for (const [environment, env] of Object.entries(map.environments)) {
    for (const target of environmentTargets(map, SERVICE, environment)) {
      const key = `${target.account}/${target.region}/${target.cluster}/${target.service}`;
      if (seen.has(key)) continue;
      seen.add(key);
      await seedTarget({ ...target, image: STARTING_IMAGE, alarms: env.health.alarms });
    }
  }
}

function on(live: LiveTarget[], environment: string, commit: string): boolean {
  const targets = live.filter((t) => t.environment === environment);
  return targets.length > 0 && targets.every((t) => t.commit === commit);
}

function count(executions: ExecutionRecord[], stateMachine: string): number {
  return executions.filter((e) => e.stateMachine === stateMachine).length;
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
