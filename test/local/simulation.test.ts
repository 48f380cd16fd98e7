import { describe, expect, it } from 'vitest';
import {
  CIRCUIT_BREAKER_REASON,
  createService,
  type DeploymentConfiguration,
  deploymentEvents,
  type Effect,
  observe,
  type RolloutFaults,
  render,
  type ServiceSim,
  type ServiceUpdate,
  type SimContext,
  updateService,
} from '../../local/ecs-scheduler/simulation';

const T0 = new Date('2026-11-02T10:00:00Z');
const OLD = 'arn:aws:ecs:us-east-1:222222222222:task-definition/web:1';
const NEW = 'arn:aws:ecs:us-east-1:222222222222:task-definition/web:2';
const NO_FAULTS = { failTasks: false };

function context(): SimContext {
  let n = 0;
  let seconds = 0;
  return {
    get now() {
      seconds += 1;
      return new Date(T0.getTime() + seconds * 1000);
    },
    newId: (kind) => `${kind}-${++n}`,
  };
}

function service(
  ctx: SimContext,
  breaker: DeploymentConfiguration['deploymentCircuitBreaker'] = { enable: true, rollback: true },
) {
  return createService(
    {
      serviceName: 'web',
      taskDefinition: OLD,
      desiredCount: 2,
      deploymentConfiguration: { deploymentCircuitBreaker: breaker, maximumPercent: 200 },
    },
    ctx,
  );
}

/** Observes `times` times and returns every rendered state plus all effects, in order. */
function observeTimes(sim: ServiceSim, times: number, ctx: SimContext, stuck = false) {
  const states = [];
  const effects: Effect[] = [];
  let current = sim;
  for (let i = 0; i < times; i++) {
    const seen = observe(current, { stuck }, ctx);
    current = seen.sim;
    effects.push(...seen.effects);
    states.push(render(current));
  }
  return { states, effects, sim: current };
}

const summary = (state: ReturnType<typeof render>) =>
  state.deployments.map(
    (d) => `${d.status} ${d.taskDefinition.slice(-5)} ${d.rolloutState} ${d.runningCount}/${d.desiredCount}`,
  );

describe('ECS scheduler simulation', () => {
  it('creates a service whose only deployment is PRIMARY, COMPLETED and running every desired task', () => {
    const state = render(service(context()));

    expect(state).toMatchObject({ desiredCount: 2, runningCount: 2, pendingCount: 0, taskDefinition: OLD, events: [] });
    expect(state.deployments).toEqual([
      expect.objectContaining({
        id: 'deployment-1',
        status: 'PRIMARY',
        rolloutState: 'COMPLETED',
        rolloutStateReason: 'ECS deployment deployment-1 completed.',
        failedTasks: 0,
        createdAt: T0.getTime() / 1000 + 1,
      }),
    ]);
  });

  it.each([
    { update: { taskDefinition: NEW }, starts: true, primary: NEW },
    { update: { forceNewDeployment: true }, starts: true, primary: OLD },
    { update: { desiredCount: 4 }, starts: false, primary: OLD },
    { update: { deploymentConfiguration: { maximumPercent: 150 } }, starts: false, primary: OLD },
  ])('starts a rollout only for a new revision or a forced deployment: $update', ({ update, starts, primary }) => {
    const ctx = context();
    const state = render(updateService(service(ctx), update, NO_FAULTS, ctx));

    expect(state.taskDefinition).toBe(primary);
    expect(state.deployments.map((d) => d.status)).toEqual(starts ? ['PRIMARY', 'ACTIVE'] : ['PRIMARY']);
    expect(state.deployments[0]?.rolloutState).toBe(starts ? 'IN_PROGRESS' : 'COMPLETED');
  });

  it('scales a finished deployment at once and keeps the deployment configuration it was last given', () => {
    const ctx = context();
    const state = render(
      updateService(
        service(ctx),
        { desiredCount: 4, deploymentConfiguration: { maximumPercent: 150 } },
        NO_FAULTS,
        ctx,
      ),
    );

    expect(state).toMatchObject({ desiredCount: 4, runningCount: 4, deploymentConfiguration: { maximumPercent: 150 } });
  });

  it('rolls out in two observations: half the tasks, then COMPLETED with the old deployment gone', () => {
    const ctx = context();
    const updated = updateService(service(ctx), { taskDefinition: NEW }, NO_FAULTS, ctx);
    expect(summary(render(updated))).toEqual(['PRIMARY web:2 IN_PROGRESS 0/2', 'ACTIVE web:1 COMPLETED 2/2']);

    const { states, effects } = observeTimes(updated, 3, ctx);

    expect(states.map(summary)).toEqual([
      ['PRIMARY web:2 IN_PROGRESS 1/2', 'ACTIVE web:1 COMPLETED 2/2'],
      ['PRIMARY web:2 COMPLETED 2/2'],
      ['PRIMARY web:2 COMPLETED 2/2'],
    ]);
    expect(states[1]?.events.map((e) => e.message)).toEqual([
      '(service web) has reached a steady state.',
      `(service web) (deployment ${updated.primary.id}) deployment completed.`,
    ]);
    expect(effects).toEqual([]);
  });

  it('trips the circuit breaker and lets ECS roll back to the previous revision by itself', () => {
    const ctx = context();
    const before = service(ctx);
    const updated = updateService(before, { taskDefinition: NEW }, { failTasks: true }, ctx);
    const failedId = updated.primary.id;

    const { states, effects } = observeTimes(updated, 3, ctx);

    expect(states.map(summary)).toEqual([
      ['PRIMARY web:2 IN_PROGRESS 0/2', 'ACTIVE web:1 COMPLETED 2/2'],
      ['PRIMARY web:1 IN_PROGRESS 2/2', 'ACTIVE web:2 FAILED 0/2'],
      ['PRIMARY web:1 COMPLETED 2/2'],
    ]);
    expect(states[0]?.deployments[0]?.failedTasks).toBe(2);
    expect(states[0]?.events.map((e) => e.message)).toEqual([
      expect.stringMatching(/^\(service web\) \(task task-\d+\) failed container health checks\.$/),
      expect.stringMatching(/failed container health checks/),
    ]);
    expect(states[1]?.deployments[1]?.rolloutStateReason).toBe(CIRCUIT_BREAKER_REASON);
    expect(states[1]?.events.slice(0, 2).map((e) => e.message)).toEqual([
      `(service web) rolling back to deployment ${before.primary.id}.`,
      `(service web) (deployment ${failedId}) deployment failed: tasks failed to start.`,
    ]);
    expect(states[2]?.taskDefinition).toBe(OLD);
    expect(effects).toEqual([{ kind: 'restore-task-definition', taskDefinition: OLD }]);
  });

  it.each([
    {
      breaker: { enable: true, rollback: false },
      after: ['PRIMARY web:2 FAILED 0/2', 'ACTIVE web:1 COMPLETED 2/2'],
      failedTasks: 2,
    },
    {
      breaker: { enable: false, rollback: false },
      after: ['PRIMARY web:2 IN_PROGRESS 0/2', 'ACTIVE web:1 COMPLETED 2/2'],
      failedTasks: 8,
    },
  ])('with circuit breaker $breaker, failing tasks end as $after.0', ({ breaker, after, failedTasks }) => {
    const ctx = context();
    const updated = updateService(service(ctx, breaker), { taskDefinition: NEW }, { failTasks: true }, ctx);

    const { states, effects } = observeTimes(updated, 4, ctx);

    expect(summary(states[3] ?? render(updated))).toEqual(after);
    expect(states[3]?.deployments[0]?.failedTasks).toBe(failedTasks);
    expect(effects).toEqual([]);
  });

  it('raises the alarm when the faulty rollout completes and clears it when the next deployment completes', () => {
    const ctx = context();
    const faulty = updateService(service(ctx), { taskDefinition: NEW }, { failTasks: false, alarm: 'web-5xx' }, ctx);
    const afterFaulty = observeTimes(faulty, 2, ctx);
    const rollback = updateService(afterFaulty.sim, { taskDefinition: OLD }, NO_FAULTS, ctx);
    const afterRollback = observeTimes(rollback, 2, ctx);

    expect(afterFaulty.effects).toEqual([
      expect.objectContaining({ kind: 'set-alarm', alarm: 'web-5xx', state: 'ALARM' }),
    ]);
    expect(afterRollback.effects).toEqual([
      expect.objectContaining({ kind: 'set-alarm', alarm: 'web-5xx', state: 'OK' }),
    ]);
    expect(afterRollback.sim.raisedAlarm).toBeUndefined();
  });

  it('leaves a stuck rollout IN_PROGRESS however often it is observed, and moves it once unstuck', () => {
    const ctx = context();
    const updated = updateService(service(ctx), { taskDefinition: NEW }, NO_FAULTS, ctx);

    const stuck = observeTimes(updated, 5, ctx, true);
    const unstuck = observeTimes(stuck.sim, 2, ctx);

    expect(stuck.sim).toBe(updated);
    expect(summary(unstuck.states[1] ?? render(updated))).toEqual(['PRIMARY web:2 COMPLETED 2/2']);
  });

  it('supersedes an unfinished rollout: the newest deployment is PRIMARY and completing it removes both others', () => {
    const ctx = context();
    const first = updateService(service(ctx), { taskDefinition: NEW }, NO_FAULTS, ctx);
    const second = updateService(observe(first, { stuck: false }, ctx).sim, { taskDefinition: OLD }, NO_FAULTS, ctx);

    expect(summary(render(second))).toEqual([
      'PRIMARY web:1 IN_PROGRESS 0/2',
      'ACTIVE web:2 IN_PROGRESS 1/2',
      'ACTIVE web:1 COMPLETED 2/2',
    ]);
    expect(render(second)).toMatchObject({ runningCount: 3, pendingCount: 3 });
    expect(summary(observeTimes(second, 2, ctx).states[1] ?? render(second))).toEqual(['PRIMARY web:1 COMPLETED 2/2']);
  });

  it('keeps only the newest 100 events, newest first', () => {
    const ctx = context();
    let sim = service(ctx);
    for (let i = 0; i < 60; i++)
      sim = observeTimes(updateService(sim, { forceNewDeployment: true }, NO_FAULTS, ctx), 2, ctx).sim;

    const { events } = render(sim);

    expect(events).toHaveLength(100);
    const times = events.map((e) => e.createdAt);
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  describe('ECS Deployment State Change events', () => {
    /** The events of each transition, the update then 3 observations, naming deployments by their part. */
    function eventsOf(opts: {
      breaker?: DeploymentConfiguration['deploymentCircuitBreaker'];
      update: ServiceUpdate;
      faults: RolloutFaults;
      stuck?: boolean;
    }): string[][] {
      const ctx = context();
      const steady = service(ctx, opts.breaker);
      const updated = updateService(steady, opts.update, opts.faults, ctx);
      const name = (id: string) => (id === steady.primary.id ? 'old' : id === updated.primary.id ? 'new' : 'restored');
      const transitions = [deploymentEvents(steady, updated)];
      let current = updated;
      for (let i = 0; i < 3; i++) {
        const next = observe(current, { stuck: opts.stuck ?? false }, ctx).sim;
        transitions.push(deploymentEvents(current, next));
        current = next;
      }
      return transitions.map((events) => events.map((e) => `${e.eventType} ${e.eventName} ${name(e.deploymentId)}`));
    }

    it.each([
      {
        case: 'a rollout',
        update: { taskDefinition: NEW },
        faults: NO_FAULTS,
        events: [['INFO SERVICE_DEPLOYMENT_IN_PROGRESS new'], [], ['INFO SERVICE_DEPLOYMENT_COMPLETED new'], []],
      },
      {
        case: 'a rollout the circuit breaker rolls back',
        update: { taskDefinition: NEW },
        faults: { failTasks: true },
        events: [
          ['INFO SERVICE_DEPLOYMENT_IN_PROGRESS new'],
          [],
          ['ERROR SERVICE_DEPLOYMENT_FAILED new', 'INFO SERVICE_DEPLOYMENT_IN_PROGRESS restored'],
          ['INFO SERVICE_DEPLOYMENT_COMPLETED restored'],
        ],
      },
      {
        case: 'a rollout the circuit breaker stops without rollback',
        breaker: { enable: true, rollback: false },
        update: { taskDefinition: NEW },
        faults: { failTasks: true },
        events: [['INFO SERVICE_DEPLOYMENT_IN_PROGRESS new'], [], ['ERROR SERVICE_DEPLOYMENT_FAILED new'], []],
      },
      {
        case: 'a stuck rollout',
        update: { forceNewDeployment: true },
        faults: NO_FAULTS,
        stuck: true,
        events: [['INFO SERVICE_DEPLOYMENT_IN_PROGRESS new'], [], [], []],
      },
      { case: 'a scaling', update: { desiredCount: 4 }, faults: NO_FAULTS, events: [[], [], [], []] },
    ])('are sent for $case as each deployment starts or changes state', ({ events, ...opts }) => {
      expect(eventsOf(opts)).toEqual(events);
    });

    it("carry the deployment's id, time and rollout state reason, the breaker's for a failure", () => {
      const ctx = context();
      const steady = service(ctx);
      const updated = updateService(steady, { taskDefinition: NEW }, { failTasks: true }, ctx);
      const failing = observe(updated, { stuck: false }, ctx).sim;
      const rolledBack = observe(failing, { stuck: false }, ctx).sim;

      const [failed] = deploymentEvents(failing, rolledBack);

      expect(deploymentEvents(steady, updated)).toEqual([
        {
          eventType: 'INFO',
          eventName: 'SERVICE_DEPLOYMENT_IN_PROGRESS',
          deploymentId: updated.primary.id,
          updatedAt: new Date(updated.primary.updatedAt * 1000).toISOString(),
          reason: `ECS deployment ${updated.primary.id} in progress.`,
        },
      ]);
      expect(failed).toEqual({
        eventType: 'ERROR',
        eventName: 'SERVICE_DEPLOYMENT_FAILED',
        deploymentId: updated.primary.id,
        updatedAt: expect.stringMatching(/^2026-11-02T10:00:\d\d\.000Z$/),
        reason: CIRCUIT_BREAKER_REASON,
      });
    });
  });
});
