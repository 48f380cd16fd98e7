import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { describeStack } from '../aws/stacks';
import { liveStatus } from '../aws/status';
import { shortCommit } from '../core/approval-message';
import { loadMapFile } from '../core/map/load';
import { environmentTargets } from '../core/map/plan';
import type { DeploymentMap } from '../core/map/schema';
import { executionName } from '../core/push';
import { environmentStackName, serviceStackName } from '../core/stacks/names';
import type { StatusRow } from '../core/status';
import { clientForAccount } from '../local/accounts';
import { approvalLinkIn, decide, deliverGithubPush } from '../local/actors';
import { progressPrinter } from '../local/progress';
import { STARTING_IMAGE, seedTarget } from '../local/seed';
import { type LocalStack, startLocalStack } from '../local/stack';
import type { ExecutionRecord } from '../local/step-functions';
import { envCommand } from './env';
import { run as historyCommand } from './history';
import type { CliIo } from './io';
import { rollbackCommand } from './rollback';
import { run as statusCommand } from './status';
import { run as template } from './template';

const DEFAULT_MAP = fileURLToPath(new URL('../crossdeploy.yaml', import.meta.url));
const SERVICE = 'web';
const FAULTY = { account: '333333333333', region: 'eu-west-1' };
const ALARM = 'web-5xx';
const APPROVER = 'jane.approver@example.com';
const APPLICATION = 'orders';
const APPLICATION_REPOSITORY = 'acme/orders';
const APPLICATION_EXAMPLE = fileURLToPath(new URL('../examples/orders', import.meta.url));
const DEMO_AUTHOR = {
  GIT_AUTHOR_NAME: 'Orders Developer',
  GIT_AUTHOR_EMAIL: 'orders@example.com',
  GIT_COMMITTER_NAME: 'Orders Developer',
  GIT_COMMITTER_EMAIL: 'orders@example.com',
};

/** A commit id the way git prints one: 40 hex characters, stable for a given label. */
export function demoCommit(label: string): string {
  return createHash('sha1').update(`crossdeploy demo commit ${label}`).digest('hex');
}

/**
 * The whole product on this machine, from templates to production: the platform team publishes its templates
 * and provisions dev and prod from them; pushes arrive as signed GitHub webhooks, the first one per environment
 * creates the service from its template,
 * prod waits for an approver who opens the e-mailed link and approves on the page. Commit A reaches dev and
 * prod; commit B reaches dev, then fails its bake in one prod region and the prod wave is rolled back. Last, an
 * application stack (a Lambda function) is pushed from its own repository to dev.
 * Exits 0 only when all of that happened.
 */
/** Local seconds per real second in the demo. */
const DEMO_TIME_SCALE = 600;

export async function run(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args, options: { map: { type: 'string' } } });
  const mapFile = values.map ? resolve(io.cwd, values.map) : DEFAULT_MAP;
  const map = loadMapFile(mapFile);
  const service = map.services[SERVICE];
  if (!service || !('github' in service.source)) {
    throw new Error(`the demo pushes service "${SERVICE}" from GitHub, which the map does not define`);
  }
  const repository = service.source.github;

  const stateDir = mkdtempSync(join(tmpdir(), 'crossdeploy-demo-'));
  // The application stack's repository: a clone on this machine, where local builds package its template from.
  const sources = join(stateDir, 'sources');
  const stack = await startLocalStack({
    map,
    mapFile,
    stateDir,
    sources,
    out: io.out,
    onEvent: progressPrinter(io.out),
    // The map's bakes (1 and 10 minutes) take a tenth of a second and one second; polls run back to back.
    timeScale: DEMO_TIME_SCALE,
    waitMs: 0,
  });
  try {
    io.out(`crossdeploy demo: AWS APIs on ${stack.runtime.endpoint} (moto + ECS scheduler + Step Functions)`);
    io.out(`HTTP API on ${stack.url}; no AWS account used\n`);
    const command = (cli: (args: string[], io: CliIo) => Promise<number>, args: string[]) =>
      cli([...args, '--map', mapFile], { ...io, out: (line) => io.out(`  ${line}`) });

    io.out('== 0. The platform team publishes its templates and provisions dev and prod from them');
    const published = await command(template, ['publish', '--dir', resolve(dirname(mapFile), map.templates)]);
    // The pipelines report their progress as they go: the CLI only needs to notice the end.
    const envDeploy = envCommand({ sleep: () => delay(50) });
    const dev = await command(envDeploy, ['deploy', 'dev', '--wait']);
    const prod = await withApproval(stack, io, () => command(envDeploy, ['deploy', 'prod', '--wait']));
    const environments = await environmentStacks(map);

    const deliver = (branch: string, commit: string, message: string) =>
      deliverPush(stack, { repository, branch, commit, message });

    const commitA = demoCommit('A');
    const commitB = demoCommit('B');
    io.out(`\n== 1. git push main ${shortCommit(commitA)}: dev, whose service is created from its template first`);
    const a1 = await deliver('main', commitA, 'Serve the new landing page');
    io.out(`\n== 2. git push production ${shortCommit(commitA)}: prod, after approval, its service created first`);
    const a2 = await withApproval(stack, io, () => deliver('production', commitA, 'Serve the new landing page'));

    io.out(`\n== 3. git push main ${shortCommit(commitB)}: dev`);
    stack.runtime.scheduler.injectFault(FAULTY, { kind: 'alarm-after-rollout', alarm: ALARM });
    const b1 = await deliver('main', commitB, 'Cache the catalogue');
    io.out(
      `\n== 4. git push production ${shortCommit(commitB)}: prod, after approval; ${ALARM} fires in ${FAULTY.account}/${FAULTY.region}`,
    );
    const b2 = await withApproval(stack, io, () => deliver('production', commitB, 'Cache the catalogue'));

    io.out(`\n== 5. crossdeploy status: what runs where, from the ledger and the live services`);
    await command(statusCommand, ['--service', SERVICE]);
    const afterB = await liveStatus(map, { service: SERVICE });

    io.out(`\n== 6. crossdeploy history ${b2.name}: why prod failed, in plain words`);
    await command(historyCommand, [b2.name]);

    io.out(
      `\n== 7. crossdeploy rollback --service ${SERVICE} --env dev: B out of dev, through the same waves and bake`,
    );
    const rollback = await command(rollbackCommand(), [
      '--service',
      SERVICE,
      '--env',
      'dev',
      '--reason',
      'catalogue cache misbehaves',
      '--wait',
    ]);
    const afterRollback = await liveStatus(map, { service: SERVICE, env: 'dev' });

    const application = await commitApplication(sources);
    io.out(
      `\n== 8. git push main ${shortCommit(application)} of ${APPLICATION}: an application stack (a Lambda function) from its own repository`,
    );
    const app = await deliverPush(stack, {
      repository: APPLICATION_REPOSITORY,
      branch: 'main',
      commit: application,
      message: 'Answer with a greeting',
      service: APPLICATION,
    });
    await command(statusCommand, ['--service', APPLICATION]);
    const applicationRows = await liveStatus(map, { service: APPLICATION });

    const checks: [string, boolean][] = [
      [
        `dev and prod provisioned from ${environments.template} in all ${environments.stacks.length} accounts and regions`,
        published === 0 && dev === 0 && prod === 0 && environments.complete,
      ],
      [
        "the service's first push created it from its template in every target",
        (await serviceStacks(map)).every((status) => status === 'CREATE_COMPLETE'),
      ],
      ['commit A deployed to dev, then to prod after approval', a1.status === 'SUCCEEDED' && a2.status === 'SUCCEEDED'],
      ['commit B deployed to dev', b1.status === 'SUCCEEDED' && on(afterB, 'dev', commitB)],
      [
        'commit B failed in prod with DeploymentRolledBack',
        b2.status === 'FAILED' && b2.error === 'DeploymentRolledBack',
      ],
      [
        `the failure names ${FAULTY.account}, ${FAULTY.region} and ${ALARM}`,
        [FAULTY.account, FAULTY.region, ALARM].every((word) => b2.cause?.includes(word)),
      ],
      ['every prod target runs commit A again, approved by its approver', on(afterB, 'prod', commitA, APPROVER)],
      ['the rollback put commit A back in every dev target', rollback === 0 && on(afterRollback, 'dev', commitA)],
      [
        `the ${APPLICATION} application stack runs its pushed commit's template in every dev target, baked`,
        app.status === 'SUCCEEDED' && on(applicationRows, 'dev', application),
      ],
    ];
    io.out('');
    for (const [what, ok] of checks) io.out(`${ok ? '✔' : '✘'} ${what}`);
    if (b2.cause) io.out(`\nprod failure cause: ${b2.cause}`);
    const executions = stack.runtime.stepFunctions.executions();
    io.out(
      `\n${executions.length} executions: ${count(executions, 'pipeline')} pipelines, ` +
        `${count(executions, 'deploy-environment')} environments, ${count(executions, 'deploy-target')} targets, ` +
        `${count(executions, 'deploy-stack')} stacks, ` +
        `${count(executions, 'rollback-target') + count(executions, 'rollback-stack')} rollbacks, ` +
        `${executions.filter((e) => e.mapRunArn !== undefined).length} wave Map Run children`,
    );
    return checks.every(([, ok]) => ok) ? 0 : 1;
  } finally {
    await stack.stop();
  }
}

/** A developer pushes; GitHub delivers the signed webhook; the pipeline it starts runs to its end. */
export async function deliverPush(
  stack: LocalStack,
  push: { repository: string; branch: string; commit: string; message: string; service?: string },
): Promise<ExecutionRecord> {
  const { service = SERVICE, ...delivered } = push;
  const response = await deliverGithubPush(stack.url, process.env.CROSSDEPLOY_GITHUB_WEBHOOK_SECRET ?? '', delivered);
  if (response.status !== 202) throw new Error(`the webhook answered ${response.status}: ${await response.text()}`);
  const started = await stack.runtime.stepFunctions.started(executionName(service, push.branch, push.commit));
  return stack.runtime.stepFunctions.finished(started.executionArn);
}

/**
 * The application's repository as its developer has it: examples/orders committed to a git repository under
 * `sources`, named as the map's source names it. Returns the commit.
 */
async function commitApplication(sources: string): Promise<string> {
  const clone = join(sources, APPLICATION_REPOSITORY.split('/')[1] ?? APPLICATION);
  cpSync(APPLICATION_EXAMPLE, clone, { recursive: true });
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', clone, ...args], { env: { ...process.env, ...DEMO_AUTHOR } })
      .toString()
      .trim();
  git('init', '--quiet', '--initial-branch=main');
  git('add', '-A');
  git('commit', '--quiet', '-m', 'Answer with a greeting');
  return git('rev-parse', 'HEAD');
}

/** The approver's side: read the e-mail, open the link (which decides nothing), then approve on the page. */
async function withApproval<T>(stack: LocalStack, io: CliIo, deliver: () => Promise<T>): Promise<T> {
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

/** Each environment's stack in every target account and region, as CloudFormation describes it. */
async function environmentStacks(map: DeploymentMap) {
  const stacks = await Promise.all(
    Object.keys(map.environments).flatMap((environment) =>
      environmentTargets(map, SERVICE, environment).map((t) => stackStatus(t, environmentStackName(environment))),
    ),
  );
  const templates = new Set(Object.values(map.environments).map((env) => env.template?.name));
  return {
    stacks,
    template: [...templates].join(', '),
    complete: stacks.every((status) => status === 'CREATE_COMPLETE'),
  };
}

/** The service's instance stack in every target, as CloudFormation describes it. */
function serviceStacks(map: DeploymentMap) {
  return Promise.all(
    Object.keys(map.environments).flatMap((environment) =>
      environmentTargets(map, SERVICE, environment).map((t) => stackStatus(t, serviceStackName(SERVICE, environment))),
    ),
  );
}

async function stackStatus(target: { account: string; region: string }, stackName: string) {
  const cloudformation = clientForAccount(CloudFormationClient, target.account, target.region);
  try {
    return (await describeStack(cloudformation, { ...target, stackName }))?.status ?? 'missing';
  } finally {
    cloudformation.destroy();
  }
}

/** Every target of the map's environments runs the starting image, once each, with its environment's alarms. */
export async function seedTargets(map: DeploymentMap) {
  const seen = new Set<string>();
  for (const [environment, env] of Object.entries(map.environments)) {
    for (const target of environmentTargets(map, SERVICE, environment)) {
      const key = `${target.account}/${target.region}/${target.cluster}/${target.service}`;
      if (seen.has(key)) continue;
      seen.add(key);
      // prod runs on Graviton, dev on x86_64 (no runtimePlatform): the map's web builds both.
      const cpuArchitecture = environment === 'prod' ? 'ARM64' : undefined;
      await seedTarget({
        ...target,
        image: STARTING_IMAGE,
        alarms: env.health.alarms,
        ...(cpuArchitecture && { cpuArchitecture }),
      });
    }
  }
}

/** Every target of the environment runs `commit` as crossdeploy deployed it (and, when given, approved by `by`). */
function on(rows: StatusRow[], environment: string, commit: string, by?: string): boolean {
  const targets = rows.filter((t) => t.environment === environment);
  return (
    targets.length > 0 &&
    targets.every((t) => t.state === 'in-step' && t.commit === commit && (by === undefined || t.by === by))
  );
}

function count(executions: ExecutionRecord[], stateMachine: string): number {
  return executions.filter((e) => e.stateMachine === stateMachine).length;
}
