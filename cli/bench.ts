import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ECRClient } from '@aws-sdk/client-ecr';
import { settings } from '../aws/settings';
import { storeWaves } from '../aws/wave-store';
import type { DeployTarget, EnvironmentRun, ImageRef, StoredEnvironmentRun } from '../core/contracts';
import { sharedS3Client } from '../functions/lib/clients';
import { LOCAL_ORGANIZATION } from '../local/accounts';
import { buildImage } from '../local/builder';
import { createArtifactsBucket } from '../local/orchestrator';
import { type LocalRuntime, startLocalRuntime } from '../local/runtime';
import { seedLedger, seedReplication, seedRepository, seedTarget } from '../local/seed';
import { awsHistory } from '../local/sfn-history';
import type { ExecutionRecord } from '../local/step-functions';
import { startTargetWaits } from '../local/target-waits';
import { type ApprovalAtScale, measureApproval } from './bench-approval';
import { percentile, round } from './bench-figures';
import { describeWaits, measureWaits, WAITS_TIME_SCALE } from './bench-waits';
import type { CliIo } from './io';

const ORCHESTRATOR = { account: '111111111111', region: 'us-east-1' };
const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1', 'ap-northeast-1'];
// The safety net's checks: they run only when no event of ECS's ended the rollout's wait in time.
const LOOP_STATES = new Set(['Check rollout']);
// Each rollout check is one Lambda invocation making one DescribeServices call.
const CALLS_PER_LOOP_CHECK = 1;

export interface BenchRun {
  maxConcurrency: number;
  targets: number;
  failedTargets: number;
  wallMs: number;
  perTargetMs: { median: number; p95: number };
  idealWallMs: number;
  wallVsIdeal: number;
  /** Throughput of the AWS stand-in: moto answers one call at a time, which bounds every run's wall time. */
  awsCallsPerSecond: number;
  perTarget: {
    stateTransitions: number;
    lambdaInvocations: number;
    awsCalls: number;
    loopIterations: number;
    awsCallsInLoops: number;
    retries: number;
  };
  awsCallsByOperation: Record<string, number>;
}

/**
 * Deploys one service to 25 accounts × 4 regions at several concurrencies and reports the orchestration cost, then
 * what a 10-minute rollout and bake cost per target and how soon events move a deploy on (`--waits`: only that).
 * With `--targets 1000,5000`, deploys one environment of each size instead (waves of 1,000, no bake) and reports
 * what grows with it: the largest state, the largest history, and what one target costs.
 */
export async function run(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      accounts: { type: 'string', default: '25' },
      concurrency: { type: 'string', default: '1,10,25,50' },
      targets: { type: 'string' },
      waits: { type: 'boolean', default: false },
      out: { type: 'string', default: 'bench/results.json' },
    },
  });
  const out = resolve(io.cwd, values.out ?? 'bench/results.json');
  if (values.targets !== undefined) return runScale(sizesOf(values.targets), out, io);
  if (values.waits) return runWaits(out, io);
  const accounts = Number(values.accounts);
  const concurrencies = (values.concurrency ?? '').split(',').map(Number);
  const concurrency = await runConcurrency(accounts, concurrencies, out, io);
  return Math.max(concurrency, await runWaits(out, io));
}

async function runConcurrency(accounts: number, concurrencies: number[], out: string, io: CliIo): Promise<number> {
  const runtime = await startBenchRuntime({});
  try {
    const targets = benchTargets(accounts);
    io.out(`seeding ${targets.length} targets (${accounts} accounts × ${REGIONS.length} regions)…`);
    await seedToolsAccount();
    for (const t of targets) await seedTarget({ ...t, alarms: [] });

    // The first run (concurrency 1 by default) measures what one target costs with nothing else running;
    // every run's ideal wall time is targets / concurrency × that median.
    const runs: BenchRun[] = [];
    let baselineMedian: number | undefined;
    for (const [i, maxConcurrency] of concurrencies.entries()) {
      const result = await deployOnce(runtime, targets, maxConcurrency, i, baselineMedian);
      baselineMedian ??= result.perTargetMs.median;
      runs.push(result);
      io.out(describeRun(result));
    }
    writeResults(out, { date: new Date().toISOString(), node: process.version, targets: targets.length, runs });
    io.out(`\nwrote ${out}`);
    return runs.every((r) => r.failedTargets === 0) ? 0 : 1;
  } finally {
    await runtime.stop();
  }
}

/** The local runtime with the path target events take to the waits, as the stack has it in AWS. */
async function startBenchRuntime(time: { timeScale?: number; waitMs?: number }) {
  const runtime = await startLocalRuntime({ orchestrator: ORCHESTRATOR, ...time });
  const waits = await startTargetWaits(ORCHESTRATOR, runtime.endpoint);
  return {
    ...runtime,
    async stop() {
      await runtime.stepFunctions.stopAll();
      await waits.stop();
      await runtime.stop();
    },
  };
}

/** A 10-minute rollout and bake on 20 targets (5 accounts × 4 regions): what waiting for events costs. */
async function runWaits(out: string, io: CliIo): Promise<number> {
  const runtime = await startBenchRuntime({ timeScale: WAITS_TIME_SCALE, waitMs: 0 });
  try {
    const targets = benchTargets(5);
    await seedToolsAccount();
    for (const t of targets) await seedTarget({ ...t, alarms: ['web-5xx'] });
    io.out(`\nwaits: ${targets.length} targets, 10-minute rollouts and bakes at ${WAITS_TIME_SCALE}× time…`);
    const waits = await measureWaits({
      runtime,
      targets,
      plan: async (deploymentId, round, deployment) => {
        const commit = (round + 1).toString(16).padStart(40, 'd');
        const wave = { maxConcurrency: targets.length, failureTolerance: targets.length, targets };
        const run = environmentRunOf(deploymentId, commit, await builtImage(commit), targets, [wave]);
        return stored({ ...run, deployment: { ...run.deployment, ...deployment } });
      },
    });
    io.out(describeWaits(waits));
    writeResults(out, { waitsDate: new Date().toISOString(), waits });
    io.out(`\nwrote ${out}`);
    return waits.succeeded === targets.length && waits.rolledBack === targets.length ? 0 : 1;
  } finally {
    await runtime.stop();
  }
}

/** The repository and its replica in every region the targets pull from, as the SST app creates them; the ledger and bucket. */
async function seedToolsAccount(): Promise<void> {
  for (const region of REGIONS) await seedRepository('web', region);
  await seedReplication(
    REGIONS.filter((region) => region !== ORCHESTRATOR.region),
    ORCHESTRATOR.region,
  );
  await seedLedger(ORCHESTRATOR.region);
  await createArtifactsBucket(ORCHESTRATOR.region);
}

function benchTargets(accounts: number): DeployTarget[] {
  return Array.from({ length: accounts }, (_, i) => `2${String(i + 1).padStart(11, '0')}`).flatMap((account) =>
    REGIONS.map((region) => ({ account, region, cluster: 'bench', service: 'web', container: 'app' })),
  );
}

/** What one run put in results.json, beside what the other mode wrote there before. */
function writeResults(out: string, results: Record<string, unknown>): void {
  const kept = existsSync(out) ? (JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>) : {};
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify({ ...kept, ...results }, null, 2)}\n`);
}

/** The environment as the pipeline hands it to deploy-environment, its waves stored as the pipeline stores them. */
async function stored(run: EnvironmentRun): Promise<StoredEnvironmentRun> {
  return {
    ...run,
    waves: await storeWaves(sharedS3Client(), settings.artifactsBucket(), run.deployment.deploymentId, run.waves),
  };
}

function environmentRunOf(
  deploymentId: string,
  commit: string,
  image: ImageRef,
  targets: DeployTarget[],
  waves: EnvironmentRun['waves'],
): EnvironmentRun {
  const accounts = [...new Set(targets.map((t) => t.account))].sort();
  return {
    targetKind: 'ecs-service',
    deployment: {
      deploymentId,
      serviceName: 'web',
      environment: 'bench',
      commit,
      image,
      orchestrator: ORCHESTRATOR,
      deployRole: { name: 'crossdeploy-deploy' },
      ecr: {
        repository: 'web',
        // Hundreds of accounts are granted by organization, as the map requires: a policy naming each would
        // outgrow ECR's 10,240 characters.
        ...(accounts.length > 100 ? { principalOrgId: LOCAL_ORGANIZATION.id, accounts: [] } : { accounts }),
        regions: [...new Set(targets.map((t) => t.region))].sort(),
        replica: { intervalSeconds: 0, checks: 10 },
      },
      taskDefinitionTemplate: null,
      serviceInstance: null,
      health: { alarms: [] },
      // A 10-minute budget, ended by ECS's event long before; no bake.
      rollout: { intervalSeconds: 15, checks: 40 },
      bake: { intervalSeconds: 0, checks: 0 },
      context: { kind: 'deploy', pipelineId: deploymentId, approval: null, requestedBy: null },
    },
    waves,
  };
}

async function deployOnce(
  runtime: LocalRuntime,
  targets: DeployTarget[],
  maxConcurrency: number,
  round: number,
  baselineMedian: number | undefined,
) {
  const commit = (round + 1).toString(16).padStart(40, 'b');
  const image = await builtImage(commit);
  const deploymentId = `web-bench-${round}-${maxConcurrency}`;
  const plan = await stored(
    environmentRunOf(deploymentId, commit, image, targets, [{ maxConcurrency, failureTolerance: 0, targets }]),
  );
  const callsBefore = { ...runtime.scheduler.stats().calls };
  const started = performance.now();
  const environment = await runtime.stepFunctions.run('deploy-environment', plan, { name: deploymentId });
  const wallMs = performance.now() - started;
  // A run whose environment failed measured nothing: say why instead of reporting empty figures.
  if (environment.status !== 'SUCCEEDED') {
    throw new Error(
      `bench run at maxConcurrency ${maxConcurrency}: deploy-environment ${environment.status}: ${environment.error ?? ''} ${environment.cause ?? ''}`,
    );
  }
  const calls = diff(runtime.scheduler.stats().calls, callsBefore);
  const perTarget = runtime.stepFunctions.descendants(environment).filter((e) => e.stateMachine === 'deploy-target');
  const lambdaStates = new Set(
    [...runtime.stepFunctions.taskResources('deploy-target')].filter(([, r]) => r.includes(':lambda:')).map(([s]) => s),
  );
  return summarize(maxConcurrency, wallMs, perTarget, calls, lambdaStates, baselineMedian);
}

async function builtImage(commit: string): Promise<ImageRef> {
  const ecr = new ECRClient({});
  try {
    const image = await buildImage({ ecr, repository: 'web', commit, service: 'web' });
    return { repositoryUri: image.repositoryUri, digest: image.digest, uri: image.uri, platforms: image.platforms };
  } finally {
    ecr.destroy();
  }
}

/** A map's wave holds at most this many targets (core/map/schema.ts); the scale runs fill each one. */
const WAVE_SIZE = 1000;

export interface ScaleRun {
  targets: number;
  waves: number;
  /** deploy-environment's status, and its error and cause (cut) when it did not succeed. */
  status: string;
  error: string | null;
  cause: string | null;
  targetsDeployed: number;
  wallMs: number;
  perTargetMs: { median: number; p95: number };
  /** The largest output of any state of any execution of the run: Step Functions allows 262,144 bytes. */
  largestStateBytes: number;
  /** The longest history of any execution of the run, as GetExecutionHistory would count it: 25,000 at most. */
  largestHistoryEvents: number;
  perTarget: { stateTransitions: number; lambdaInvocations: number };
  /** The environment's approval gate, once it is deployed: every target's ledger record is there to read. */
  approval: ApprovalAtScale | null;
}

function sizesOf(list: string): number[] {
  const sizes = list.split(',').map(Number);
  if (sizes.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new Error(`--targets takes target counts like 1000,5000, not "${list}"`);
  }
  return sizes;
}

/**
 * One environment of each size, waves of WAVE_SIZE targets deployed as many at once as a wave may ask
 * (maxConcurrency 1,000), against the same local engine that holds every execution to Step Functions' quotas. A
 * run that breaks one is reported with the error it ended with, not thrown: that is the finding.
 */
async function runScale(sizes: number[], out: string, io: CliIo): Promise<number> {
  const runtime = await startBenchRuntime({});
  try {
    const all = benchTargets(Math.ceil(Math.max(...sizes) / REGIONS.length));
    await seedToolsAccount();
    const seeded = Math.max(...sizes);
    for (const [i, t] of all.slice(0, seeded).entries()) {
      await seedTarget({ ...t, alarms: [] });
      if ((i + 1) % 500 === 0 || i + 1 === seeded) io.out(`seeded ${i + 1} of ${seeded} targets`);
    }
    const scale: ScaleRun[] = [];
    for (const [run, size] of sizes.entries()) {
      const result = await deployAtScale(runtime, all.slice(0, size), run);
      scale.push(result);
      io.out(describeScale(result, scale[0]));
    }
    writeResults(out, { scaleDate: new Date().toISOString(), scale });
    io.out(`\nwrote ${out}`);
    return scale.every((r) => r.status === 'SUCCEEDED') ? 0 : 1;
  } finally {
    await runtime.stop();
  }
}

async function deployAtScale(runtime: LocalRuntime, targets: DeployTarget[], run: number): Promise<ScaleRun> {
  const commit = (run + 1).toString(16).padStart(40, 'c');
  const deploymentId = `web-scale-${targets.length}`;
  const waves = Array.from({ length: Math.ceil(targets.length / WAVE_SIZE) }, (_, i) => ({
    maxConcurrency: WAVE_SIZE,
    failureTolerance: 0,
    targets: targets.slice(i * WAVE_SIZE, (i + 1) * WAVE_SIZE),
  }));
  const plan = await stored(environmentRunOf(deploymentId, commit, await builtImage(commit), targets, waves));
  const eventsBefore = runtime.scheduler.events().length;
  const started = performance.now();
  let environment: ExecutionRecord;
  try {
    environment = await runtime.stepFunctions.run('deploy-environment', plan, { name: deploymentId });
  } catch (error) {
    // StartExecution refused the input (its size, most likely): nothing ran, and that is the finding.
    return notStarted(targets.length, waves.length, error as Error);
  }
  const wallMs = performance.now() - started;
  const children = runtime.stepFunctions.descendants(environment);
  const deployed = children.filter((e) => e.stateMachine === 'deploy-target' && e.status === 'SUCCEEDED');
  const lambdaStates = new Set(
    [...runtime.stepFunctions.taskResources('deploy-target')].filter(([, r]) => r.includes(':lambda:')).map(([s]) => s),
  );
  const cost =
    deployed.length > 0
      ? summarize(WAVE_SIZE, wallMs, deployed, {}, lambdaStates, undefined)
      : {
          wallMs: round(wallMs),
          perTargetMs: { median: 0, p95: 0 },
          perTarget: { stateTransitions: 0, lambdaInvocations: 0 },
        };
  const runs = [environment, ...children];
  return {
    targets: targets.length,
    waves: waves.length,
    status: environment.status,
    error: environment.status === 'SUCCEEDED' ? null : (environment.error ?? null),
    cause: environment.status === 'SUCCEEDED' ? null : (environment.cause ?? '').slice(0, 300),
    targetsDeployed: deployed.length,
    wallMs: cost.wallMs,
    perTargetMs: cost.perTargetMs,
    largestStateBytes: Math.max(...runs.map((e) => e.largestStateBytes ?? 0)),
    largestHistoryEvents: Math.max(...runs.map((e) => awsHistory(runtime.stepFunctions, e).length)),
    perTarget: {
      stateTransitions: cost.perTarget.stateTransitions,
      // resume-target-wait too: one invocation per event the rules pass on.
      lambdaInvocations: round(cost.perTarget.lambdaInvocations + endings(runtime, eventsBefore) / deployed.length),
    },
    approval: environment.status === 'SUCCEEDED' ? await measureApproval(plan) : null,
  };
}

/** The ECS events since `from` that the `rollouts-ended` rule passes on: each is one resume-target-wait invocation. */
function endings(runtime: LocalRuntime, from: number): number {
  return runtime.scheduler
    .events()
    .slice(from)
    .filter((e) => ['SERVICE_DEPLOYMENT_COMPLETED', 'SERVICE_DEPLOYMENT_FAILED'].includes(String(e.detail.eventName)))
    .length;
}

function notStarted(targets: number, waves: number, error: Error): ScaleRun {
  return {
    targets,
    waves,
    status: 'NOT_STARTED',
    error: error.name,
    cause: error.message.slice(0, 300),
    targetsDeployed: 0,
    wallMs: 0,
    perTargetMs: { median: 0, p95: 0 },
    largestStateBytes: 0,
    largestHistoryEvents: 0,
    perTarget: { stateTransitions: 0, lambdaInvocations: 0 },
    approval: null,
  };
}

function describeScale(r: ScaleRun, first: ScaleRun | undefined): string {
  const growth =
    first && first !== r && first.wallMs > 0 && r.wallMs > 0
      ? `; wall time ×${round(r.wallMs / first.wallMs)} for targets ×${round(r.targets / first.targets)}`
      : '';
  return [
    `\n${r.targets} targets in ${r.waves} waves: ${r.status}${r.error ? ` (${r.error}: ${r.cause})` : ''}`,
    `  ${r.targetsDeployed} targets deployed; wall ${r.wallMs} ms${growth}`,
    `  per target: median ${r.perTargetMs.median} ms, p95 ${r.perTargetMs.p95} ms; ${r.perTarget.stateTransitions} state transitions, ${r.perTarget.lambdaInvocations} Lambda invocations`,
    `  largest state ${r.largestStateBytes} bytes (quota 262,144); largest history ${r.largestHistoryEvents} events (quota 25,000)`,
    r.approval
      ? `  approval gate: ${r.approval.wallMs} ms; its item ${r.approval.approvalItemBytes} bytes (DynamoDB's 400 KB), e-mail ${r.approval.emailBytes} bytes (SNS's 256 KiB), full list in S3 ${r.approval.listBytes} bytes`
      : '  approval gate: not measured',
  ].join('\n');
}

function summarize(
  maxConcurrency: number,
  wallMs: number,
  executions: ExecutionRecord[],
  calls: Record<string, number>,
  lambdaStates: Set<string>,
  baselineMedian: number | undefined,
): BenchRun {
  const n = executions.length;
  const durations = executions.map((e) => (e.stopDate?.getTime() ?? 0) - e.startDate.getTime()).sort((a, b) => a - b);
  const entered = executions.flatMap((e) => e.history.filter((h) => h.type === 'StateEntered'));
  const inLoop = entered.filter((h) => LOOP_STATES.has(h.state ?? ''));
  const loopChecks = inLoop.filter((h) => lambdaStates.has(h.state ?? '')).length;
  // The parent's "Deploy to target" task is part of what one target costs.
  const stateTransitions = (entered.length - inLoop.length + n) / n;
  const lambdaInvocations = entered.filter(
    (h) => lambdaStates.has(h.state ?? '') && !LOOP_STATES.has(h.state ?? ''),
  ).length;
  const retries = executions.flatMap((e) => e.history.filter((h) => h.type === 'StateRetried')).length;
  const awsCalls = Object.values(calls).reduce((a, b) => a + b, 0);
  const awsCallsInLoops = loopChecks * CALLS_PER_LOOP_CHECK;
  const median = percentile(durations, 0.5);
  const idealWallMs = (n / maxConcurrency) * (baselineMedian ?? median);
  return {
    maxConcurrency,
    targets: n,
    failedTargets: executions.filter((e) => e.status !== 'SUCCEEDED').length,
    wallMs: round(wallMs),
    perTargetMs: { median: round(median), p95: round(percentile(durations, 0.95)) },
    idealWallMs: round(idealWallMs),
    wallVsIdeal: round(wallMs / idealWallMs),
    awsCallsPerSecond: round((awsCalls / wallMs) * 1000),
    perTarget: {
      stateTransitions: round(stateTransitions),
      lambdaInvocations: round(lambdaInvocations / n),
      awsCalls: round((awsCalls - awsCallsInLoops) / n),
      loopIterations: round(loopChecks / n),
      awsCallsInLoops: round(awsCallsInLoops / n),
      retries: round(retries / n),
    },
    awsCallsByOperation: Object.fromEntries(Object.entries(calls).map(([op, count]) => [op, round(count / n)])),
  };
}

function describeRun(r: BenchRun): string {
  return [
    `\nmaxConcurrency ${r.maxConcurrency}: ${r.targets} targets, ${r.failedTargets} failed`,
    `  wall ${r.wallMs} ms (ideal ${r.idealWallMs} ms, ×${r.wallVsIdeal}); ${r.awsCallsPerSecond} AWS calls/s`,
    `  per target: median ${r.perTargetMs.median} ms, p95 ${r.perTargetMs.p95} ms`,
    `  per target outside wait loops: ${r.perTarget.stateTransitions} state transitions, ${r.perTarget.lambdaInvocations} Lambda invocations, ${r.perTarget.awsCalls} AWS calls`,
    `  per target in wait loops: ${r.perTarget.loopIterations} checks, ${r.perTarget.awsCallsInLoops} AWS calls; ${r.perTarget.retries} retries`,
    `  AWS calls per target by operation: ${Object.entries(r.awsCallsByOperation)
      .map(([op, c]) => `${op} ${c}`)
      .join(', ')}`,
  ].join('\n');
}

function diff(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(after)
      .map(([op, count]) => [op, count - (before[op] ?? 0)] as const)
      .filter(([, count]) => count > 0),
  );
}
