// Keeps one simulation per ECS service (by service ARN) and rewrites moto's ECS answers to match it.

import type { FaultBook, Where } from './faults';
import type { MotoApi } from './moto-api';
import { type PlatformRevision, platformStoppedReason } from './platform';
import { PullCheck, type PullingRevision } from './pull';
import {
  createService,
  type DeploymentConfiguration,
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

interface CreateServiceRequest {
  desiredCount?: number;
  deploymentConfiguration?: DeploymentConfiguration;
}

export class SimulatedServices {
  #sims = new Map<string, ServiceSim>();
  #ids = sequentialIds();
  readonly #pulls: PullCheck;

  constructor(private readonly deps: { clock: () => Date; faults: FaultBook; moto: MotoApi }) {
    this.#pulls = new PullCheck(deps.moto);
  }

  reset(): void {
    this.#sims.clear();
    this.#ids = sequentialIds();
  }

  /** moto's successful answer to an ECS call, rewritten where the simulation owns the truth; undefined: unchanged. */
  async rewrite(operation: string, request: unknown, answer: unknown): Promise<unknown> {
    switch (operation) {
      case 'CreateService':
        return this.#created(request as CreateServiceRequest, answer as { service: MotoService });
      case 'UpdateService':
        return this.#updated(request as ServiceUpdate, answer as { service: MotoService });
      case 'DescribeServices':
        return this.#described(answer as { services?: MotoService[] });
      case 'DeleteService':
        this.#sims.delete((answer as { service: MotoService }).service.serviceArn);
        return undefined;
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

  async #updated(request: ServiceUpdate, answer: { service: MotoService }) {
    const { service } = answer;
    const sim = this.#simOf(service);
    const { update, faults } = startsRollout(request)
      ? await this.#rollout(whereOf(service.serviceArn), sim, request)
      : { update: request, faults: { failTasks: false } };
    const next = updateService(sim, update, faults, this.#context());
    this.#sims.set(service.serviceArn, next);
    return { ...answer, service: { ...service, ...render(next) } };
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
      const where = whereOf(service.serviceArn);
      const before = this.#simOf(service);
      const { sim, effects } = observe(before, { stuck: this.deps.faults.isStuck(where) }, this.#context());
      this.#sims.set(service.serviceArn, sim);
      // Effects land before the answer does, so a caller that reads this rollout as complete sees its alarm.
      for (const effect of effects) await this.#apply(effect, where, service);
      if (before.rollout && !sim.rollout) await this.#recordSettled(sim, where, service);
      services.push({ ...service, ...render(sim) });
    }
    return { ...answer, services };
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
  async #recordSettled(sim: ServiceSim, where: Where, service: MotoService): Promise<void> {
    await this.deps.moto.ecs(where, 'UpdateService', {
      cluster: service.clusterArn,
      service: service.serviceArn,
      taskDefinition: sim.primary.taskDefinition,
      ...(sim.deploymentConfiguration && { deploymentConfiguration: sim.deploymentConfiguration }),
    });
  }

  async #apply(effect: Effect, where: Where, service: MotoService): Promise<void> {
    if (effect.kind === 'set-alarm') {
      await this.deps.moto.setAlarmState(where, effect.alarm, effect.state, effect.reason);
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
