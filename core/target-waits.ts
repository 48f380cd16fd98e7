// A deploy-target execution waits on its target's own events instead of polling: for ECS to end the rollout
// it started, then for the bake to run out without an alarm. This is what one forwarded event does to the
// waits parked on its target. Pure: the caller reads the waits and hands each verdict over.

import type { DeployTarget, Progress } from './contracts';
import { alarmChange, ecsDeployment, forwardedEnvelope } from './target-events';

/**
 * ECS sends its events on a best-effort basis
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_service_deployment_events.html): a wait
 * checks by itself this often, so a lost event costs at most this much, and a rollout or bake shorter than this
 * costs no check at all.
 */
export const SAFETY_NET_SECONDS = 900;

/** What a wait is waiting for, as parked with its token (aws/target-waits.ts). */
export type TargetWait =
  | { kind: 'rollout'; target: DeployTarget; ecsDeploymentId: string; progress: Progress }
  | { kind: 'bake'; target: DeployTarget; alarms: string[]; progress: Progress };

/** One forwarded event, reduced to what can end a wait. */
export type TargetSignal =
  | {
      kind: 'deployment';
      account: string;
      region: string;
      cluster: string;
      service: string;
      deploymentId: string;
      eventName: string;
      reason: string;
    }
  | { kind: 'alarm'; account: string; region: string; alarmName: string; state: string; reason: string };

/** The waits one event may end are those of its account and region: the index the waits table is read by. */
export function waitSubject(where: { account: string; region: string }): string {
  return `${where.account}/${where.region}`;
}

/**
 * The signal in a forwarded `ECS Deployment State Change` or `CloudWatch Alarm State Change`, or undefined
 * for anything else. The account is the envelope's: EventBridge sets it to the account the event came from,
 * which a sender cannot choose (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-events-structure.html).
 */
export function signalOf(event: unknown): TargetSignal | undefined {
  const envelope = forwardedEnvelope.safeParse(event);
  if (!envelope.success) return undefined;
  const { source, account, region, resources = [], detail } = envelope.data;
  const detailType = envelope.data['detail-type'];
  if (account === undefined || region === undefined) return undefined;

  if (source === 'aws.ecs' && detailType === 'ECS Deployment State Change') {
    const ecs = ecsDeployment.safeParse(detail);
    // arn:aws:ecs:<region>:<account>:service/<cluster>/<service>
    const path = resources
      .find((arn) => arn.includes(':service/'))
      ?.split(':service/')[1]
      ?.split('/');
    if (!ecs.success || ecs.data.deploymentId === undefined || path?.length !== 2) return undefined;
    const [cluster = '', service = ''] = path;
    return {
      kind: 'deployment',
      account,
      region,
      cluster,
      service,
      deploymentId: ecs.data.deploymentId,
      eventName: ecs.data.eventName,
      reason: ecs.data.reason ?? ecs.data.eventName,
    };
  }
  if (source === 'aws.cloudwatch' && detailType === 'CloudWatch Alarm State Change') {
    const alarm = alarmChange.safeParse(detail);
    const alarmName = alarm.data?.alarmName ?? resources.find((r) => r.includes(':alarm:'))?.split(':alarm:')[1];
    if (!alarm.success || alarmName === undefined) return undefined;
    const { value, reason } = alarm.data.state;
    return { kind: 'alarm', account, region, alarmName, state: value, reason: reason ?? `the alarm is ${value}` };
  }
  return undefined;
}

/**
 * The progress `signal` ends `wait` with, or undefined when the signal is none of the wait's business: another
 * target, another deployment of the service (an older one's late event must not end a newer one's wait), a
 * rollout still in progress, an alarm that is not in ALARM.
 *
 * A failed deployment ends the wait as `ECS_FAILED`, with ECS's reason: the workflow then reads the service once,
 * for the evidence a check finds beside it (the tasks' own stopped reasons).
 */
export function verdictFor(wait: TargetWait, signal: TargetSignal): Progress | undefined {
  const { target, progress } = wait;
  if (signal.account !== target.account || signal.region !== target.region) return undefined;

  if (wait.kind === 'rollout' && signal.kind === 'deployment') {
    if (!sameName(signal.cluster, target.cluster) || signal.service !== target.service) return undefined;
    if (signal.deploymentId !== wait.ecsDeploymentId) return undefined;
    if (signal.eventName === 'SERVICE_DEPLOYMENT_COMPLETED') {
      return { ...progress, state: 'COMPLETED', summary: `ECS completed deployment ${signal.deploymentId}` };
    }
    if (signal.eventName === 'SERVICE_DEPLOYMENT_FAILED') {
      return {
        ...progress,
        state: 'ECS_FAILED',
        failure: { check: 'circuit-breaker', evidence: signal.reason },
        summary: `ECS failed deployment ${signal.deploymentId}: ${signal.reason}`,
      };
    }
    return undefined;
  }

  if (wait.kind === 'bake' && signal.kind === 'alarm') {
    if (signal.state !== 'ALARM' || !wait.alarms.includes(signal.alarmName)) return undefined;
    const evidence = `alarm ${signal.alarmName} is ALARM: ${signal.reason}`;
    return {
      ...progress,
      state: 'UNHEALTHY',
      failure: { check: 'alarm', evidence },
      summary: `unhealthy (alarm): ${evidence}`,
    };
  }
  return undefined;
}

/** A target names its cluster by name or by ARN; the event's service ARN carries the name. */
function sameName(name: string, cluster: string): boolean {
  return cluster === name || cluster.endsWith(`:cluster/${name}`);
}

/** A wait's own timeout in seconds: Step Functions takes a positive integer, and the safety net caps it. */
export function waitSeconds(seconds: number): number {
  return Math.max(1, Math.min(SAFETY_NET_SECONDS, Math.ceil(seconds)));
}

/**
 * The progress a deploy starts its waits with, once UpdateService took the new revision: the rollout's budget
 * in safety-net checks, and the bake's length for later.
 */
export function waitsStarted(
  deployment: {
    rollout: { checks: number; intervalSeconds: number };
    bake: { checks: number; intervalSeconds: number };
  },
  started: { startedAt: string; ecsDeploymentId: string | undefined; summary: string },
): Progress {
  const rolloutSeconds = deployment.rollout.checks * deployment.rollout.intervalSeconds;
  const checkInSeconds = waitSeconds(rolloutSeconds);
  return {
    startedAt: started.startedAt,
    ...(started.ecsDeploymentId === undefined ? {} : { ecsDeploymentId: started.ecsDeploymentId }),
    rolloutChecksLeft: Math.max(1, Math.ceil(rolloutSeconds / checkInSeconds)),
    checkInSeconds,
    bakeSeconds: deployment.bake.checks * deployment.bake.intervalSeconds,
    state: 'IN_PROGRESS',
    summary: started.summary,
  };
}

/** A completed rollout starts the bake: all of its time is left, to be waited out in safety-net turns. */
export function rolloutEnded(progress: Progress): Progress {
  if (progress.state !== 'COMPLETED') return progress;
  const bakeSeconds = progress.bakeSeconds ?? 0;
  return { ...progress, bakeSecondsLeft: bakeSeconds, bakeWaitSeconds: waitSeconds(bakeSeconds) };
}

/**
 * The bake after one of its waits ran out: that wait's seconds have passed. Counted in turns rather than read from
 * a clock, so the count is the same wherever the workflow runs, the local runtime's faster time included.
 */
export function bakeTurnTaken(progress: Progress): { bakeSecondsLeft: number; bakeWaitSeconds: number } {
  const left = Math.max(0, (progress.bakeSecondsLeft ?? 0) - (progress.bakeWaitSeconds ?? 0));
  return { bakeSecondsLeft: left, bakeWaitSeconds: waitSeconds(left) };
}
