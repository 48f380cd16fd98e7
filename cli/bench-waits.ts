// The waits of one target deploy, for `crossdeploy bench`: a 10-minute rollout and a 10-minute bake, simulated at a
// faster time, and what they cost per target now that they wait for ECS's and CloudWatch's events. Then the same
// targets again, each with an alarm raised mid-bake: how soon the rollback starts.

import { CloudWatchClient, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import type { DeployTarget, EnvironmentRun } from '../core/contracts';
import { clientForAccount } from '../local/accounts';
import type { LocalRuntime } from '../local/runtime';
import type { ExecutionRecord } from '../local/step-functions';
import { percentile, round } from './bench-figures';

/** Local seconds per real second: the 10-minute rollout and bake each take 10 real seconds. */
export const WAITS_TIME_SCALE = 60;
const ROLLOUT_SECONDS = 600;
const BAKE_SECONDS = 600;
/** The polling workflow this replaced checked the rollout every 15 s and the bake every 30 s. */
const POLLED_EVERY = { rollout: 15, bake: 30 };
/** States and Lambda invocations of a polled deploy outside its loops: role, image, register, record, update, success. */
const POLLED_BASE = { stateTransitions: 9, lambdaInvocations: 6 };

export interface Latency {
  median: number;
  p95: number;
  max: number;
}

export interface WaitsBench {
  targets: number;
  simulated: { rolloutSeconds: number; bakeSeconds: number; timeScale: number };
  /** Every target rolled out and baked without an alarm. */
  succeeded: number;
  perTarget: {
    stateTransitions: number;
    lambdaInvocations: number;
    eventInvocations: number;
    /** Of those, the image replica's checks: a first deploy to a region ECR has not replicated the image to yet. */
    replicaChecks: number;
  };
  /** How often each state was entered per target, on average: where the transitions go. */
  statesPerTarget: Record<string, number>;
  /** What the polling workflow spent on the same 10 + 10 minutes, counted from its loops. */
  polledBefore: { stateTransitions: number; lambdaInvocations: number };
  /** Real ms from ECS publishing SERVICE_DEPLOYMENT_COMPLETED to the workflow's next state. */
  eventToResumeMs: Latency;
  /** Real ms from SetAlarmState to ALARM mid-bake to the rollback's first step. */
  alarmToRollbackMs: Latency;
  rolledBack: number;
}

export interface WaitsDeps {
  runtime: LocalRuntime;
  targets: DeployTarget[];
  /** deploy-environment's input for one wave of every target, its waves stored as the pipeline stores them. */
  plan: (deploymentId: string, round: number, run: Partial<EnvironmentRun['deployment']>) => Promise<unknown>;
}

export async function measureWaits({ runtime, targets, plan }: WaitsDeps): Promise<WaitsBench> {
  const { stepFunctions, scheduler } = runtime;
  // Two steps of ECS's rollout: the first when the wait looks, the second this much later.
  scheduler.setRolloutStepMs((ROLLOUT_SECONDS * 1000) / WAITS_TIME_SCALE);
  const times = {
    rollout: { intervalSeconds: 15, checks: 120 },
    bake: { intervalSeconds: 30, checks: BAKE_SECONDS / 30 },
    health: { alarms: ['web-5xx'] },
  };

  const eventsBefore = scheduler.events().length;
  const quiet = await stepFunctions.run('deploy-environment', await plan('web-waits-0', 0, times), {
    name: 'web-waits-0',
  });
  const deployed = stepFunctions.descendants(quiet).filter((e) => e.stateMachine === 'deploy-target');
  const published = scheduler.events().slice(eventsBefore);
  // Each forwarded event the rules match is one invocation of resume-target-wait in AWS.
  const eventInvocations = published.filter(
    (e) => e.detail.eventName === 'SERVICE_DEPLOYMENT_COMPLETED' || e.detail.eventName === 'SERVICE_DEPLOYMENT_FAILED',
  ).length;
  const lambdaStates = new Set(
    [...stepFunctions.taskResources('deploy-target')].filter(([, r]) => r.includes(':lambda')).map(([s]) => s),
  );
  const entered = deployed.flatMap((e) => e.history.filter((h) => h.type === 'StateEntered'));
  const resumes = deployed.flatMap((execution) => {
    const target = (execution.input as { target: DeployTarget }).target;
    const completed = published.find(
      (e) =>
        e.detail.eventName === 'SERVICE_DEPLOYMENT_COMPLETED' &&
        e.resources.some((arn) => arn.endsWith(`:${target.account}:service/${target.cluster}/${target.service}`)) &&
        e.region === target.region,
    );
    const next = firstEntered(execution, 'Is the rollout done?');
    return completed && next !== undefined ? [next - completed.at] : [];
  });

  const alarmed = await raiseAlarmsMidBake(runtime, targets, await plan('web-waits-1', 1, times));
  const n = deployed.length;
  return {
    targets: targets.length,
    simulated: { rolloutSeconds: ROLLOUT_SECONDS, bakeSeconds: BAKE_SECONDS, timeScale: WAITS_TIME_SCALE },
    succeeded: deployed.filter((e) => e.status === 'SUCCEEDED').length,
    perTarget: {
      stateTransitions: round(entered.length / n),
      lambdaInvocations: round((entered.filter((h) => lambdaStates.has(h.state ?? '')).length + eventInvocations) / n),
      eventInvocations: round(eventInvocations / n),
      replicaChecks: round(entered.filter((h) => h.state === 'Wait for image replica').length / n),
    },
    statesPerTarget: Object.fromEntries(
      [...new Set(entered.map((h) => h.state ?? ''))].map((state) => [
        state,
        round(entered.filter((h) => h.state === state).length / n),
      ]),
    ),
    polledBefore: polled(),
    eventToResumeMs: latency(resumes),
    alarmToRollbackMs: latency(alarmed.latencies),
    rolledBack: alarmed.rolledBack,
  };
}

/** Deploys again, raises each target's alarm once its bake waits, and times each rollback's first step. */
async function raiseAlarmsMidBake(runtime: LocalRuntime, targets: DeployTarget[], input: unknown) {
  const { stepFunctions } = runtime;
  const environment = stepFunctions.start('deploy-environment', input, { name: 'web-waits-1' });
  const raisedAt = new Map<string, number>();
  const keyOf = (t: DeployTarget) => `${t.account}/${t.region}`;
  while (raisedAt.size < targets.length && environment.status === 'RUNNING') {
    for (const execution of stepFunctions.descendants(environment)) {
      if (execution.stateMachine !== 'deploy-target') continue;
      const target = (execution.input as { target: DeployTarget }).target;
      if (raisedAt.has(keyOf(target)) || firstEntered(execution, 'Bake with alarms watched') === undefined) continue;
      raisedAt.set(keyOf(target), await setAlarm(target));
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const ended = await stepFunctions.finished(environment.executionArn);
  const rollbacks = stepFunctions.descendants(ended).filter((e) => e.stateMachine === 'rollback-target');
  const latencies = rollbacks.flatMap((rollback) => {
    const at = raisedAt.get(keyOf((rollback.input as { target: DeployTarget }).target));
    const first = rollback.history.find((h) => h.type === 'StateEntered')?.timestamp;
    return at !== undefined && first !== undefined ? [first - at] : [];
  });
  for (const target of targets) await setAlarm(target, 'OK');
  return { latencies, rolledBack: rollbacks.filter((r) => r.status === 'SUCCEEDED').length };
}

async function setAlarm(target: DeployTarget, state: 'ALARM' | 'OK' = 'ALARM'): Promise<number> {
  const cloudwatch = clientForAccount(CloudWatchClient, target.account, target.region);
  try {
    const reason = state === 'ALARM' ? 'bench: 5xx above 5% mid-bake' : 'bench: over';
    await cloudwatch.send(new SetAlarmStateCommand({ AlarmName: 'web-5xx', StateValue: state, StateReason: reason }));
    return Date.now();
  } finally {
    cloudwatch.destroy();
  }
}

/** The polling workflow's cost for the same times: each check was a Wait, a Lambda and a Choice. */
function polled(): WaitsBench['polledBefore'] {
  const checks = ROLLOUT_SECONDS / POLLED_EVERY.rollout + BAKE_SECONDS / POLLED_EVERY.bake;
  return {
    stateTransitions: POLLED_BASE.stateTransitions + 3 * checks,
    lambdaInvocations: POLLED_BASE.lambdaInvocations + checks,
  };
}

function firstEntered(execution: ExecutionRecord, state: string): number | undefined {
  return execution.history.find((h) => h.type === 'StateEntered' && h.state === state)?.timestamp;
}

function latency(values: number[]): Latency {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    median: round(percentile(sorted, 0.5)),
    p95: round(percentile(sorted, 0.95)),
    max: round(sorted.at(-1) ?? 0),
  };
}

export function describeWaits(r: WaitsBench): string {
  return [
    `\nwaits: ${r.targets} targets, a ${r.simulated.rolloutSeconds / 60}-minute rollout and a ${r.simulated.bakeSeconds / 60}-minute bake at ${r.simulated.timeScale}× time`,
    `  ${r.succeeded} succeeded; per target ${r.perTarget.stateTransitions} state transitions, ${r.perTarget.lambdaInvocations} Lambda invocations (${r.perTarget.eventInvocations} by events, ${r.perTarget.replicaChecks} more image replica checks)`,
    `  polling did the same in ${r.polledBefore.stateTransitions} state transitions and ${r.polledBefore.lambdaInvocations} Lambda invocations`,
    `  ECS's COMPLETED → workflow resumed: median ${r.eventToResumeMs.median} ms, p95 ${r.eventToResumeMs.p95} ms, max ${r.eventToResumeMs.max} ms`,
    `  alarm to ALARM mid-bake → rollback's first step: median ${r.alarmToRollbackMs.median} ms, p95 ${r.alarmToRollbackMs.p95} ms, max ${r.alarmToRollbackMs.max} ms (${r.rolledBack} rolled back)`,
  ].join('\n');
}
