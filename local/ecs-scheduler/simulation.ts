// What ECS's scheduler would do to one service, as pure state transitions: no I/O, no wall time.
// Rollouts advance one step at a time (observe()): the HTTP layer takes a step per observation (a
// DescribeServices that includes the service) and per tick of its rollout timer, so the sequence of states
// is the same on every run, only its pace varies. Side effects on other APIs (alarms, moto's stored task
// definition) and the events ECS sends are returned as data for the HTTP layer to carry out.

/** ECS's JSON protocol sends dates as epoch seconds. */
type EpochSeconds = number;

export interface EcsDeployment {
  id: string;
  status: 'PRIMARY' | 'ACTIVE';
  taskDefinition: string;
  desiredCount: number;
  runningCount: number;
  pendingCount: number;
  failedTasks: number;
  rolloutState: 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';
  rolloutStateReason: string;
  createdAt: EpochSeconds;
  updatedAt: EpochSeconds;
}

export interface EcsServiceEvent {
  id: string;
  createdAt: EpochSeconds;
  message: string;
}

/** As sent on CreateService/UpdateService; kept whole because moto drops it. */
export interface DeploymentConfiguration {
  deploymentCircuitBreaker?: { enable?: boolean; rollback?: boolean };
  [other: string]: unknown;
}

/** What the next rollout of a service suffers, taken from the faults injected for its account/region. */
export interface RolloutFaults {
  failTasks: boolean;
  /** Why each failed task stopped, as ECS says it; a failed health check when not given. */
  stoppedReason?: string;
  /** Set to ALARM when the rollout completes. */
  alarm?: string;
}

interface Rollout {
  kind: 'update' | 'ecs-rollback';
  step: number;
  failTasks: boolean;
  stoppedReason?: string;
  alarm?: string;
  /** The deployment ECS's circuit breaker rolls back to. */
  previous?: EcsDeployment;
}

export interface ServiceSim {
  serviceName: string;
  desiredCount: number;
  deploymentConfiguration?: DeploymentConfiguration;
  primary: EcsDeployment;
  active: EcsDeployment[];
  /** Newest first. */
  events: EcsServiceEvent[];
  rollout?: Rollout;
  /** Alarm a completed rollout raised; the next deployment of the service to complete clears it. */
  raisedAlarm?: string;
}

export type Effect =
  | { kind: 'set-alarm'; alarm: string; state: 'ALARM' | 'OK'; reason: string }
  /** ECS rolled back by itself: the service's stored task definition must follow. */
  | { kind: 'restore-task-definition'; taskDefinition: string };

export interface SimContext {
  now: Date;
  newId(kind: 'deployment' | 'event' | 'task'): string;
}

export interface Observation {
  sim: ServiceSim;
  effects: Effect[];
}

/** ECS keeps the last 100 events of a service. */
const EVENTS_KEPT = 100;
const FAILED_TASKS_PER_STEP = 2;
export const CIRCUIT_BREAKER_REASON = 'ECS deployment circuit breaker: tasks failed to start.';

export function createService(
  spec: {
    serviceName: string;
    taskDefinition: string;
    desiredCount: number;
    deploymentConfiguration?: DeploymentConfiguration;
  },
  ctx: SimContext,
): ServiceSim {
  const primary = completed(newDeployment(spec.taskDefinition, spec.desiredCount, ctx), ctx);
  return withConfiguration(
    { serviceName: spec.serviceName, desiredCount: spec.desiredCount, primary, active: [], events: [] },
    spec.deploymentConfiguration,
  );
}

export interface ServiceUpdate {
  desiredCount?: number;
  deploymentConfiguration?: DeploymentConfiguration;
  taskDefinition?: string;
  forceNewDeployment?: boolean;
}

/** Only a new revision or a forced deployment starts a rollout; scaling and configuration changes do not. */
export function startsRollout(update: ServiceUpdate): boolean {
  return update.taskDefinition !== undefined || update.forceNewDeployment === true;
}

export function updateService(
  sim: ServiceSim,
  update: ServiceUpdate,
  faults: RolloutFaults,
  ctx: SimContext,
): ServiceSim {
  const desiredCount = update.desiredCount ?? sim.desiredCount;
  const scaled = withConfiguration(
    { ...sim, desiredCount, primary: scale(sim.primary, desiredCount) },
    update.deploymentConfiguration,
  );
  if (!startsRollout(update)) return scaled;
  const taskDefinition = update.taskDefinition ?? sim.primary.taskDefinition;
  return {
    ...scaled,
    primary: newDeployment(taskDefinition, desiredCount, ctx),
    active: [{ ...scaled.primary, status: 'ACTIVE', updatedAt: seconds(ctx.now) }, ...scaled.active],
    rollout: {
      kind: 'update',
      step: 0,
      failTasks: faults.failTasks,
      ...(faults.stoppedReason && { stoppedReason: faults.stoppedReason }),
      alarm: faults.alarm,
      previous: scaled.primary,
    },
  };
}

/** One observation of the service: its rollout, if any, moves one step unless the rollout is stuck. */
export function observe(sim: ServiceSim, env: { stuck: boolean }, ctx: SimContext): Observation {
  const rollout = sim.rollout;
  if (!rollout || env.stuck) return { sim, effects: [] };
  const next = { ...rollout, step: rollout.step + 1 };
  if (next.failTasks) return failingStep(sim, next, ctx);
  if (next.kind === 'update' && next.step === 1) return { sim: halfway(sim, next, ctx), effects: [] };
  return complete(sim, next, ctx);
}

/**
 * The detail of ECS's `ECS Deployment State Change` event:
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_service_deployment_events.html
 */
export interface DeploymentStateChange {
  eventType: 'INFO' | 'ERROR';
  eventName: 'SERVICE_DEPLOYMENT_IN_PROGRESS' | 'SERVICE_DEPLOYMENT_COMPLETED' | 'SERVICE_DEPLOYMENT_FAILED';
  deploymentId: string;
  /** ISO 8601. */
  updatedAt: string;
  reason: string;
}

/**
 * The events ECS sends for the change from `before` to `after`: one per deployment that is new or whose rollout
 * state changed. Deployments already there come first, so a failure precedes the rollback deployment it starts.
 */
export function deploymentEvents(before: ServiceSim, after: ServiceSim): DeploymentStateChange[] {
  const earlier = new Map([before.primary, ...before.active].map((d) => [d.id, d.rolloutState]));
  const deployments = [after.primary, ...after.active];
  const changed = deployments.filter((d) => earlier.has(d.id) && earlier.get(d.id) !== d.rolloutState);
  const added = deployments.filter((d) => !earlier.has(d.id));
  return [...changed, ...added].map((d) => ({
    eventType: d.rolloutState === 'FAILED' ? 'ERROR' : 'INFO',
    eventName: `SERVICE_DEPLOYMENT_${d.rolloutState}`,
    deploymentId: d.id,
    updatedAt: new Date(d.updatedAt * 1000).toISOString(),
    reason: d.rolloutStateReason,
  }));
}

/** The fields of a DescribeServices/UpdateService service that the simulation owns. */
export function render(sim: ServiceSim) {
  const deployments = [sim.primary, ...sim.active];
  return {
    desiredCount: sim.desiredCount,
    runningCount: sum(deployments, (d) => d.runningCount),
    pendingCount: sum(deployments, (d) => d.pendingCount),
    taskDefinition: sim.primary.taskDefinition,
    deployments,
    events: sim.events,
    ...(sim.deploymentConfiguration && { deploymentConfiguration: sim.deploymentConfiguration }),
  };
}

function halfway(sim: ServiceSim, rollout: Rollout, ctx: SimContext): ServiceSim {
  const runningCount = Math.floor(sim.desiredCount / 2);
  const primary = {
    ...sim.primary,
    runningCount,
    pendingCount: sim.desiredCount - runningCount,
    updatedAt: seconds(ctx.now),
  };
  return { ...sim, primary, rollout };
}

function complete(sim: ServiceSim, rollout: Rollout, ctx: SimContext): Observation {
  const primary = completed(sim.primary, ctx);
  const effects: Effect[] = [];
  let raisedAlarm = sim.raisedAlarm;
  if (raisedAlarm) {
    effects.push({ kind: 'set-alarm', alarm: raisedAlarm, state: 'OK', reason: `deployment ${primary.id} completed` });
    raisedAlarm = undefined;
  }
  if (rollout.alarm) {
    effects.push({
      kind: 'set-alarm',
      alarm: rollout.alarm,
      state: 'ALARM',
      reason: `deployment ${primary.id} broke it`,
    });
    raisedAlarm = rollout.alarm;
  }
  const events = addEvents(sim, ctx, [
    `(service ${sim.serviceName}) (deployment ${primary.id}) deployment completed.`,
    `(service ${sim.serviceName}) has reached a steady state.`,
  ]);
  return { sim: { ...sim, primary, active: [], events, rollout: undefined, raisedAlarm }, effects };
}

/** Tasks of the new revision keep failing until ECS's circuit breaker, if enabled, gives up on the deployment. */
function failingStep(sim: ServiceSim, rollout: Rollout, ctx: SimContext): Observation {
  const breaker = sim.deploymentConfiguration?.deploymentCircuitBreaker;
  if (rollout.step === 1 || !breaker?.enable) {
    const failures = Array.from({ length: FAILED_TASKS_PER_STEP }, () =>
      rollout.stoppedReason
        ? `(service ${sim.serviceName}) (task ${ctx.newId('task')}) failed to start: ${rollout.stoppedReason}`
        : `(service ${sim.serviceName}) (task ${ctx.newId('task')}) failed container health checks.`,
    );
    const primary = {
      ...sim.primary,
      failedTasks: sim.primary.failedTasks + FAILED_TASKS_PER_STEP,
      updatedAt: seconds(ctx.now),
    };
    return { sim: { ...sim, primary, events: addEvents(sim, ctx, failures), rollout }, effects: [] };
  }

  const failed: EcsDeployment = {
    ...sim.primary,
    rolloutState: 'FAILED',
    rolloutStateReason: CIRCUIT_BREAKER_REASON,
    updatedAt: seconds(ctx.now),
  };
  const failedEvent = `(service ${sim.serviceName}) (deployment ${failed.id}) deployment failed: tasks failed to start.`;
  const previous = rollout.previous;
  if (!breaker.rollback || !previous) {
    return {
      sim: { ...sim, primary: failed, events: addEvents(sim, ctx, [failedEvent]), rollout: undefined },
      effects: [],
    };
  }

  // ECS's own rollback: a fresh deployment of the old revision that takes over the old, still healthy tasks.
  const restored = newDeployment(previous.taskDefinition, sim.desiredCount, ctx);
  const primary = { ...restored, runningCount: previous.runningCount, pendingCount: 0 };
  const events = addEvents(sim, ctx, [
    failedEvent,
    `(service ${sim.serviceName}) rolling back to deployment ${previous.id}.`,
  ]);
  return {
    sim: {
      ...sim,
      primary,
      active: [{ ...failed, status: 'ACTIVE' }],
      events,
      rollout: { kind: 'ecs-rollback', step: 0, failTasks: false },
    },
    effects: [{ kind: 'restore-task-definition', taskDefinition: previous.taskDefinition }],
  };
}

function newDeployment(taskDefinition: string, desiredCount: number, ctx: SimContext): EcsDeployment {
  const id = ctx.newId('deployment');
  const at = seconds(ctx.now);
  return {
    id,
    status: 'PRIMARY',
    taskDefinition,
    desiredCount,
    runningCount: 0,
    pendingCount: desiredCount,
    failedTasks: 0,
    rolloutState: 'IN_PROGRESS',
    rolloutStateReason: `ECS deployment ${id} in progress.`,
    createdAt: at,
    updatedAt: at,
  };
}

function completed(deployment: EcsDeployment, ctx: SimContext): EcsDeployment {
  return {
    ...deployment,
    runningCount: deployment.desiredCount,
    pendingCount: 0,
    rolloutState: 'COMPLETED',
    rolloutStateReason: `ECS deployment ${deployment.id} completed.`,
    updatedAt: seconds(ctx.now),
  };
}

/** Scaling a finished deployment is immediate here; an unfinished one picks the count up as it rolls. */
function scale(deployment: EcsDeployment, desiredCount: number): EcsDeployment {
  if (deployment.desiredCount === desiredCount) return deployment;
  const done = deployment.rolloutState === 'COMPLETED';
  return { ...deployment, desiredCount, ...(done && { runningCount: desiredCount, pendingCount: 0 }) };
}

function withConfiguration(sim: ServiceSim, configuration: DeploymentConfiguration | undefined): ServiceSim {
  return configuration ? { ...sim, deploymentConfiguration: configuration } : sim;
}

/** `messages` in the order they happened; the service lists events newest first. */
function addEvents(sim: ServiceSim, ctx: SimContext, messages: string[]): EcsServiceEvent[] {
  const createdAt = seconds(ctx.now);
  const added = messages.map((message) => ({ id: ctx.newId('event'), createdAt, message })).reverse();
  return [...added, ...sim.events].slice(0, EVENTS_KEPT);
}

function seconds(date: Date): EpochSeconds {
  return date.getTime() / 1000;
}

function sum<T>(items: T[], count: (item: T) => number): number {
  return items.reduce((total, item) => total + count(item), 0);
}
