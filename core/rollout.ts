// Whether a rollout is done is decided from one DescribeServices answer, so every poll of a wait loop
// reaches the same verdict for the same answer and a replayed execution cannot disagree with the first.

import type { FailureEvidence, RolloutVerdict } from './contracts';
import { InvalidStepInput } from './errors';
import { revisionOf } from './status';

/** The fields of an ECS `Deployment` read here, named and cased as in the API. */
export interface DeploymentSnapshot {
  id?: string;
  status?: string;
  taskDefinition?: string;
  desiredCount?: number;
  pendingCount?: number;
  runningCount?: number;
  failedTasks?: number;
  createdAt?: Date | string;
  rolloutState?: string;
  rolloutStateReason?: string;
}

/** The fields of an ECS `ServiceEvent` read here. */
export interface ServiceEventSnapshot {
  createdAt?: Date | string;
  message?: string;
}

/** The fields of an ECS `Service` (DescribeServices) read here; an SDK `Service` is assignable to it. */
export interface ServiceSnapshot {
  serviceName?: string;
  status?: string;
  deployments?: DeploymentSnapshot[];
  events?: ServiceEventSnapshot[];
}

const PRIMARY = 'PRIMARY';
// ECS says this in the rollback deployment's rolloutStateReason and in a service event when its circuit
// breaker (or a deployment alarm) puts the last completed deployment back.
const ECS_ROLLBACK = /rolling back/i;
// Events that explain why tasks do not come up.
const PROBLEM_EVENT = /unable to place|failed|unhealthy|rolling back/i;

export function rolloutVerdict(
  service: ServiceSnapshot,
  expected: { taskDefinitionArn: string; since: Date | string },
): RolloutVerdict {
  const events = eventsSince(service, expected.since);
  const deployments = service.deployments ?? [];
  const primary = deployments.find((d) => d.status === PRIMARY);
  const ours =
    primary?.taskDefinition === expected.taskDefinitionArn
      ? primary
      : newest(deployments.filter((d) => d.taskDefinition === expected.taskDefinitionArn));

  if (ours !== undefined && ours === primary) return primaryVerdict(ours, deployments, events);

  const rollbackEvent = events.find((e) => ECS_ROLLBACK.test(e.message));
  const rolledBack =
    primary !== undefined &&
    (ours?.rolloutState === 'FAILED' || ECS_ROLLBACK.test(primary.rolloutStateReason ?? '') || !!rollbackEvent);
  if (rolledBack) {
    const why = [ours?.rolloutStateReason, rollbackEvent?.message ?? primary.rolloutStateReason].filter(Boolean);
    return failed(
      'ROLLED_BACK_BY_ECS',
      {
        check: 'circuit-breaker',
        evidence: why.join('; ') || `ECS replaced ${expected.taskDefinitionArn} with ${primary.taskDefinition}`,
      },
      `ECS rolled back to ${revision(primary.taskDefinition)}, now ${counts(primary)}`,
    );
  }
  if (primary !== undefined) {
    return failed(
      'FAILED',
      {
        check: 'rollout',
        evidence:
          `${expected.taskDefinitionArn} is no longer being deployed: the service runs ${primary.taskDefinition} ` +
          `(deployment ${primary.id}, rollout ${primary.rolloutState ?? 'state unknown'})`,
      },
      `another deployment replaced ${revision(expected.taskDefinitionArn)}`,
    );
  }
  if (ours !== undefined) {
    return { state: 'IN_PROGRESS', summary: `${counts(ours)}, no PRIMARY deployment yet${problem(events)}` };
  }
  return failed(
    'FAILED',
    {
      check: 'rollout',
      evidence: `service ${service.serviceName ?? ''} has no deployments (status ${service.status ?? 'unknown'})`,
    },
    `${revision(expected.taskDefinitionArn)} is not deployed`,
  );
}

/** The service runs exactly the given revision, with nothing left of earlier deployments. */
export function isSteady(service: ServiceSnapshot, taskDefinitionArn: string): boolean {
  return steadyStateProblem(service, taskDefinitionArn) === undefined;
}

/** Why the service is not steady on the revision, in words for the operator; undefined when it is. */
export function steadyStateProblem(service: ServiceSnapshot, taskDefinitionArn: string): string | undefined {
  if (service.status !== undefined && service.status !== 'ACTIVE') return `service status is ${service.status}`;
  const deployments = service.deployments ?? [];
  const primary = deployments.find((d) => d.status === PRIMARY);
  if (primary === undefined) return 'the service has no PRIMARY deployment';
  if (primary.taskDefinition !== taskDefinitionArn) {
    return `the PRIMARY deployment runs ${primary.taskDefinition}, not ${taskDefinitionArn}`;
  }
  const settled =
    primary.rolloutState !== 'FAILED' &&
    (primary.rolloutState === 'COMPLETED' || primary.runningCount === primary.desiredCount);
  if (!settled) return `${counts(primary)} on ${revision(taskDefinitionArn)}`;
  const leftover = runningElsewhere(deployments, primary);
  if (leftover > 0) return `${leftover} tasks of earlier deployments still running`;
  return undefined;
}

function primaryVerdict(
  ours: DeploymentSnapshot,
  deployments: DeploymentSnapshot[],
  events: { message: string }[],
): RolloutVerdict {
  if (ours.rolloutState === 'FAILED') {
    const event = events.find((e) => PROBLEM_EVENT.test(e.message)) ?? events[0];
    const why = [ours.rolloutStateReason, event?.message].filter(Boolean);
    return failed(
      'FAILED',
      { check: 'circuit-breaker', evidence: why.join('; ') || 'the deployment failed without a reason' },
      `${revision(ours.taskDefinition)} failed, ${counts(ours)}`,
    );
  }
  const leftover = runningElsewhere(deployments, ours);
  // Without rolloutState (e.g. behind a Classic Load Balancer) the counts are all there is.
  const rolledOut = ours.rolloutState === 'COMPLETED' || ours.rolloutState === undefined;
  if (rolledOut && ours.runningCount === ours.desiredCount && leftover === 0) {
    return { state: 'COMPLETED', summary: `${counts(ours)} on ${revision(ours.taskDefinition)}` };
  }
  // ECS keeps replacing failed tasks until its circuit breaker trips, so failures alone do not end the wait.
  const extras = [
    ours.failedTasks ? `${ours.failedTasks} failed tasks` : '',
    leftover > 0 ? `${leftover} tasks of earlier deployments running` : '',
  ];
  return { state: 'IN_PROGRESS', summary: `${counts(ours, extras)}${problem(events)}` };
}

function failed(state: RolloutVerdict['state'], failure: FailureEvidence, summary: string): RolloutVerdict {
  return { state, failure, summary: `${summary}; ${failure.evidence}` };
}

/** `2/3 running, 1 pending (rollout IN_PROGRESS)` */
function counts(d: DeploymentSnapshot, extras: string[] = []): string {
  const parts = [`${d.runningCount ?? 0}/${d.desiredCount ?? 0} running`, `${d.pendingCount ?? 0} pending`, ...extras];
  return `${parts.filter(Boolean).join(', ')} (rollout ${d.rolloutState ?? 'state unknown'})`;
}

function problem(events: { message: string }[]): string {
  const event = events.find((e) => PROBLEM_EVENT.test(e.message));
  return event ? `; ${event.message}` : '';
}

function runningElsewhere(deployments: DeploymentSnapshot[], ours: DeploymentSnapshot): number {
  return deployments.filter((d) => d !== ours).reduce((sum, d) => sum + (d.runningCount ?? 0), 0);
}

function newest(deployments: DeploymentSnapshot[]): DeploymentSnapshot | undefined {
  return deployments.reduce<DeploymentSnapshot | undefined>(
    (best, d) => (best === undefined || (timeOf(d.createdAt) ?? 0) > (timeOf(best.createdAt) ?? 0) ? d : best),
    undefined,
  );
}

/** Events of this deployment, newest first. Undated events are dropped: nothing proves they are recent. */
function eventsSince(service: ServiceSnapshot, since: Date | string): { message: string; at: number }[] {
  const start = timeOf(since);
  if (start === undefined) throw new InvalidStepInput(`rollout start "${String(since)}" is not a date`);
  return (service.events ?? [])
    .map((e) => ({ message: e.message ?? '', at: timeOf(e.createdAt) ?? Number.NaN }))
    .filter((e) => e.at >= start && e.message !== '')
    .sort((a, b) => b.at - a.at);
}

function timeOf(value: Date | string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const time = new Date(value).getTime();
  return Number.isNaN(time) ? undefined : time;
}

/** `web:8` from a task definition ARN, for one-line summaries. */
function revision(taskDefinitionArn: string | undefined): string {
  return taskDefinitionArn === undefined ? 'unknown revision' : revisionOf(taskDefinitionArn);
}
