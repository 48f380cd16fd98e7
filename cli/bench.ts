import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ECRClient } from '@aws-sdk/client-ecr';
import type { DeployTarget, EnvironmentRun } from '../core/contracts';
import { buildImage } from '../local/builder';
import { type LocalRuntime, startLocalRuntime } from '../local/runtime';
import { seedLedger, seedReplication, seedRepository, seedTarget } from '../local/seed';
import type { ExecutionRecord } from '../local/step-functions';
import type { CliIo } from './io';

const ORCHESTRATOR = { account: '111111111111', region: 'us-east-1' };
const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1', 'ap-northeast-1'];
const LOOP_STATES = new Set([
  'Wait for rollout',
  'Check rollout',
  'Is the rollout done?',
  'Wait during bake',
  'Check health during bake',
  'Is the bake over?',
]);
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

/** Deploys one service to 25 accounts × 4 regions at several concurrencies and reports the orchestration cost. */
export async function run(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      accounts: { type: 'string', default: '25' },
      concurrency: { type: 'string', default: '1,10,25,50' },
      out: { type: 'string', default: 'bench/results.json' },
    },
  });
  const accounts = Number(values.accounts);
  const concurrencies = (values.concurrency ?? '').split(',').map(Number);
  const runtime = await startLocalRuntime({ orchestrator: ORCHESTRATOR });
  try {
    const targets = benchTargets(accounts);
    io.out(`seeding ${targets.length} targets (${accounts} accounts × ${REGIONS.length} regions)…`);
    // The repository and its replica in every region the targets pull from, as the SST app creates them.
    for (const region of REGIONS) await seedRepository('web', region);
    await seedReplication(
      REGIONS.filter((region) => region !== ORCHESTRATOR.region),
      ORCHESTRATOR.region,
    );
    await seedLedger(ORCHESTRATOR.region);
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
    const report = { date: new Date().toISOString(), node: process.version, targets: targets.length, runs };
    const out = resolve(io.cwd, values.out ?? 'bench/results.json');
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
    io.out(`\nwrote ${out}`);
    return runs.every((r) => r.failedTargets === 0) ? 0 : 1;
  } finally {
    await runtime.stop();
  }
}

function benchTargets(accounts: number): DeployTarget[] {
  return Array.from({ length: accounts }, (_, i) => `2${String(i + 1).padStart(11, '0')}`).flatMap((account) =>
    REGIONS.map((region) => ({ account, region, cluster: 'bench', service: 'web', container: 'app' })),
  );
}

async function deployOnce(
  runtime: LocalRuntime,
  targets: DeployTarget[],
  maxConcurrency: number,
  round: number,
  baselineMedian: number | undefined,
) {
  const commit = (round + 1).toString(16).padStart(40, 'b');
  const image = await buildImage({ ecr: new ECRClient({}), repository: 'web', commit, service: 'web' });
  const deploymentId = `web-bench-${round}-${maxConcurrency}`;
  const plan: EnvironmentRun = {
    targetKind: 'ecs-service',
    deployment: {
      deploymentId,
      serviceName: 'web',
      environment: 'bench',
      commit,
      image: { repositoryUri: image.repositoryUri, digest: image.digest, uri: image.uri, platforms: image.platforms },
      orchestrator: ORCHESTRATOR,
      deployRole: { name: 'crossdeploy-deploy' },
      ecr: {
        repository: 'web',
        accounts: [...new Set(targets.map((t) => t.account))].sort(),
        regions: [...new Set(targets.map((t) => t.region))].sort(),
        replica: { intervalSeconds: 0, checks: 10 },
      },
      taskDefinitionTemplate: null,
      serviceInstance: null,
      health: { alarms: [] },
      rollout: { intervalSeconds: 0, checks: 10 },
      bake: { intervalSeconds: 0, checks: 0 },
      context: { kind: 'deploy', pipelineId: deploymentId, approval: null, requestedBy: null },
    },
    waves: [{ maxConcurrency, failureTolerance: 0, targets }],
  };
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
  const perTarget = runtime.stepFunctions
    .executions()
    .filter((e) => e.parentArn === environment.executionArn && e.stateMachine === 'deploy-target');
  const lambdaStates = new Set(
    [...runtime.stepFunctions.taskResources('deploy-target')].filter(([, r]) => r.includes(':lambda:')).map(([s]) => s),
  );
  return summarize(maxConcurrency, wallMs, perTarget, calls, lambdaStates, baselineMedian);
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

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
