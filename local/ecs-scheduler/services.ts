// Keeps one simulation per ECS service (by service ARN), rewrites moto's ECS answers to match it, and moves
// rollouts on with time as ECS does, whether or not anyone looks.

import type { AlarmStates, EventPublisher } from './events';
import type { FaultBook, Where } from './faults';
import type { MotoApi } from './moto-api';
import { type PlatformRevision, platformStoppedReason } from './platform';
import { PullCheck, type PullingRevision } from './pull';
import {
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
  startsRollout,
  updateService,
} from './simulation';

/** A rollout's task definition, as DescribeTaskDefinition gives it. */
type RolloutRevision = { taskDefinitionArn: string } & PullingRevision & PlatformRevision;

/** The fields of moto's service JSON read here; everything else passes through untouched. */
interface MotoService {
  serviceArn: string;
  serviceName: string;
  clusterArn: string;
  taskDefinition: string;
  desiredCount: number;
  deploymentConfiguration?: DeploymentConfiguration;
  deployments?: { status: string; taskDefinition: string }[];
  [other: string]: unknown;
}

/** What a rollout step needs of a service besides its simulation. */
type Located = Pick<MotoService, 'serviceArn' | 'clusterArn'>;

/** Real milliseconds per rollout step unless set otherwise. */
export const ROLLOUT_STEP_MS = 25;

interface CreateServiceRequest {
  desiredCount?: number;
  deploymentConfiguration?: DeploymentConfiguration;
}

export class SimulatedServices {
  #sims = new Map<string, ServiceSim>();
  /** The cluster of each simulated service, for the calls a timed step makes. */
  #located = new Map<string, Located>();
  #ids = sequentialIds();
  readonly #pulls: PullCheck;
  /** Per service, the tail of its work: a rollout step and an ECS call never interleave on one service. */
  #queues = new Map<string, Promise<unknown>>();
  /** Per service with a rollout under way, its next step. */
  #timers = new Map<string, NodeJS.Timeout>();
  #stepMs = ROLLOUT_STEP_MS;
  /** Bumped by stop() and reset(), so a step under way then neither reports nor sets the next one. */
  #epoch = 0;

  constructor(
    private readonly deps: {
      clock: () => Date;
      faults: FaultBook;
      moto: MotoApi;
      events: EventPublisher;
      alarms: AlarmStates;
      /** Real milliseconds per rollout step until set otherwise, and again after each reset. */
      rolloutStepMs: number;
    },
  ) {
    this.#pulls = new PullCheck(deps.moto);
    this.setRolloutStepMs(deps.rolloutStepMs);
  }

  reset(): void {
    this.stop();
    this.#sims.clear();
    this.#located.clear();
    this.#ids = sequentialIds();
    this.#stepMs = this.deps.rolloutStepMs;
  }

  /** Stops every rollout timer, and keeps a step under way from setting the next one. */
  stop(): void {
    this.#epoch += 1;
    this.#clearTimers();
  }

  /** Real milliseconds per rollout step, from the next step on; Infinity: rollouts move only when observed. */
  setRolloutStepMs(ms: number): void {
    if (!(ms > 0)) throw new RangeError(`rolloutStepMs must be a positive number of milliseconds, got ${ms}`);
    this.#stepMs = ms;
    if (!Number.isFinite(ms)) this.#clearTimers();
    for (const [arn, sim] of this.#sims) if (sim.rollout) this.#schedule(arn);
  }

  #clearTimers(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }

  /** moto's successful answer to an ECS call, rewritten where the simulation owns the truth; undefined: unchanged. */
  async rewrite(operation: string, request: unknown, answer: unknown): Promise<unknown> {
    switch (operation) {
      case 'CreateService':
        return this.#created(request as CreateServiceRequest, answer as { service: MotoService });
      case 'UpdateService': {
        const { service } = answer as { service: MotoService };
        return this.#exclusive(service.serviceArn, () => this.#updated(request as ServiceUpdate, service, answer));
      }
      case 'DescribeServices':
        return this.#described(answer as { services?: MotoService[] });
      case 'DeleteService': {
        const { serviceArn } = (answer as { service: MotoService }).service;
        await this.#exclusive(serviceArn, async () => {
          this.#sims.delete(serviceArn);
          this.#located.delete(serviceArn);
          clearTimeout(this.#timers.get(serviceArn));
          this.#timers.delete(serviceArn);
        });
        return undefined;
      }
      default:
        return undefined;
    }
  }

  #created(request: CreateServiceRequest, answer: { service: MotoService }) {
    const { service } = answer;
    const sim = createService(
      {
        serviceName: service.serviceName,
        // moto resolves the task definition to its ARN on create (not on update).
        taskDefinition: service.taskDefinition,
        desiredCount: request.desiredCount ?? service.desiredCount,
        deploymentConfiguration: request.deploymentConfiguration,
      },
      this.#context(),
    );
    this.#sims.set(service.serviceArn, sim);
    return { ...answer, service: { ...service, ...render(sim) } };
  }

  async #updated(request: ServiceUpdate, service: MotoService, answer: unknown) {
    const where = whereOf(service.serviceArn);
    const sim = this.#simOf(service);
    const { update, faults } = startsRollout(request)
      ? await this.#rollout(where, sim, request)
      : { update: request, faults: { failTasks: false } };
    const next = updateService(sim, update, faults, this.#context());
    this.#sims.set(service.serviceArn, next);
    this.#located.set(service.serviceArn, { serviceArn: service.serviceArn, clusterArn: service.clusterArn });
    await this.#publish(where, service.serviceArn, sim, next);
    if (next.rollout) this.#schedule(service.serviceArn);
    return { ...(answer as object), service: { ...service, ...render(next) } };
  }

  /**
   * A rollout's update, its revision named by ARN (moto stores the reference as sent, "web:2" or "web", where ECS
   * answers with the ARN), and what its tasks suffer: the faults injected there, or failing to start when they
   * could not pull their image (pull.ts) or start and die on another platform (platform.ts). The revision is
   * described once for all three.
   */
  async #rollout(where: Where, sim: ServiceSim, request: ServiceUpdate) {
    const { taskDefinition: revision } = await this.deps.moto.ecs<{ taskDefinition: RolloutRevision }>(
      where,
      'DescribeTaskDefinition',
      { taskDefinition: request.taskDefinition ?? sim.primary.taskDefinition },
    );
    const update =
      request.taskDefinition === undefined ? request : { ...request, taskDefinition: revision.taskDefinitionArn };
    const faults: RolloutFaults = this.deps.faults.takeRolloutFaults(where);
    const stoppedReason =
      (await this.#pulls.failureOf(where, revision)) ?? (await platformStoppedReason(this.deps.moto, revision));
    if (stoppedReason) Object.assign(faults, { failTasks: true, stoppedReason });
    return { update, faults };
  }

  async #described(answer: { services?: MotoService[] }) {
    const services = [];
    for (const service of answer.services ?? []) {
      const sim = await this.#exclusive(service.serviceArn, () => this.#step(service, this.#simOf(service)));
      services.push({ ...service, ...render(sim) });
    }
    return { ...answer, services };
  }

  /**
   * One step of the service's rollout, if any, and everything that follows from it, in this order: the simulation,
   * the effects (so a caller that reads the rollout as complete sees its alarm), moto's record of a settled
   * rollout, then ECS's events, so whoever reads the service on an event sees what the event says.
   */
  async #step(service: Located, before: ServiceSim): Promise<ServiceSim> {
    const where = whereOf(service.serviceArn);
    const { sim, effects } = observe(before, { stuck: this.deps.faults.isStuck(where) }, this.#context());
    this.#sims.set(service.serviceArn, sim);
    for (const effect of effects) await this.#apply(effect, where, service);
    if (before.rollout && !sim.rollout) await this.#recordSettled(sim, where, service);
    await this.#publish(where, service.serviceArn, before, sim);
    return sim;
  }

  /** The service's next timed step, unless one is due already; a step that leaves the rollout going sets the next. */
  #schedule(arn: string): void {
    const service = this.#located.get(arn);
    if (!service || this.#timers.has(arn) || !Number.isFinite(this.#stepMs)) return;
    const epoch = this.#epoch;
    const timer = setTimeout(() => {
      this.#timers.delete(arn);
      this.#exclusive(arn, async () => {
        const before = this.#sims.get(arn);
        if (epoch === this.#epoch && before?.rollout) await this.#step(service, before);
      })
        .catch((error: unknown) => {
          if (epoch === this.#epoch) console.error(`ecs scheduler: rollout step of ${arn} failed: ${String(error)}`);
        })
        .finally(() => {
          if (epoch === this.#epoch && this.#sims.get(arn)?.rollout) this.#schedule(arn);
        });
    }, this.#stepMs);
    timer.unref();
    this.#timers.set(arn, timer);
  }

  /** Runs `work` once the service's earlier work is done, whatever became of it. */
  #exclusive<T>(serviceArn: string, work: () => Promise<T>): Promise<T> {
    const run = (this.#queues.get(serviceArn) ?? Promise.resolve()).then(work);
    const tail = run.catch(() => undefined);
    this.#queues.set(serviceArn, tail);
    void tail.then(() => {
      if (this.#queues.get(serviceArn) === tail) this.#queues.delete(serviceArn);
    });
    return run;
  }

  async #publish(where: Where, serviceArn: string, before: ServiceSim, after: ServiceSim): Promise<void> {
    for (const change of deploymentEvents(before, after)) await this.deps.events.deployment(where, serviceArn, change);
  }

  /**
   * A service the scheduler never saw created (made before the proxy started, or straight at moto) is taken as
   * steady on moto's own taskDefinition: moto freezes its deployments at CreateService, while its taskDefinition
   * follows UpdateService and what #recordSettled wrote there.
   */
  #simOf(service: MotoService): ServiceSim {
    const known = this.#sims.get(service.serviceArn);
    if (known) return known;
    const primary = service.deployments?.find((d) => d.status === 'PRIMARY');
    return createService(
      {
        serviceName: service.serviceName,
        taskDefinition: service.taskDefinition ?? primary?.taskDefinition,
        desiredCount: service.desiredCount,
        deploymentConfiguration: service.deploymentConfiguration,
      },
      this.#context(),
    );
  }

  /**
   * A settled rollout is written into moto as ECS would answer for it (the revision's ARN, the deployment
   * configuration moto dropped at CreateService), so processes started later, which read moto without this
   * simulation, see what ran here.
   */
  async #recordSettled(sim: ServiceSim, where: Where, service: Located): Promise<void> {
    await this.deps.moto.ecs(where, 'UpdateService', {
      cluster: service.clusterArn,
      service: service.serviceArn,
      taskDefinition: sim.primary.taskDefinition,
      ...(sim.deploymentConfiguration && { deploymentConfiguration: sim.deploymentConfiguration }),
    });
  }

  async #apply(effect: Effect, where: Where, service: Located): Promise<void> {
    if (effect.kind === 'set-alarm') {
      await this.deps.moto.setAlarmState(where, effect.alarm, effect.state, effect.reason);
      await this.deps.alarms.set(where, effect.alarm, effect.state, effect.reason);
      return;
    }
    await this.deps.moto.ecs(where, 'UpdateService', {
      cluster: service.clusterArn,
      service: service.serviceArn,
      taskDefinition: effect.taskDefinition,
    });
  }

  #context(): SimContext {
    return { now: this.deps.clock(), newId: this.#ids };
  }
}

/** `arn:aws:ecs:<region>:<account>:service/<cluster>/<name>`: moto put the service there, so this is authoritative. */
function whereOf(serviceArn: string): Where {
  const [, , , region = '', account = ''] = serviceArn.split(':');
  return { account, region };
}

/** Deterministic ids shaped like ECS's, so runs and tests are reproducible. */
function sequentialIds(): SimContext['newId'] {
  let n = 0;
  return (kind) => {
    n += 1;
    if (kind === 'deployment') return `ecs-svc/${(7_000_000_000_000_000_000n + BigInt(n)).toString()}`;
    const hex = n.toString(16).padStart(12, '0');
    if (kind === 'task') return `${'0'.repeat(20)}${hex}`;
    return `00000000-0000-4000-8000-${hex}`;
  };
}
