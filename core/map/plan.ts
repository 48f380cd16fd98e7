// Turns the map into the input of one environment's deployment workflow. The result is a Step Functions
// execution input, so it is built from plain values only: no undefined fields, no shared class instances.

import type { CheckLoop, DeployTarget, EnvironmentPlan, ServiceInstanceSpec } from '../contracts';
import { repositoryPullers } from '../images';
import { environmentStackName, STACK_ROLLOUT, serviceStackName } from '../stacks/names';
import type { ApplicationStack, DeploymentMap, Environment, Service, Target } from './schema';

/** ECS rollouts take minutes; checking more often only spends state transitions. */
const ROLLOUT_CHECK_INTERVAL_SECONDS = 15;
/**
 * ECR replicates most images within minutes and says so only by the replica appearing
 * (https://docs.aws.amazon.com/AmazonECR/latest/userguide/replication.html): a target waits up to 30 minutes.
 */
const REPLICA_CHECK = { intervalSeconds: 20, checks: 90 };
/** Alarms evaluate per minute at best, so a bake never needs to look more often than this. */
const MAX_BAKE_CHECK_INTERVAL_SECONDS = 30;

export interface DeploymentRequest {
  deploymentId: string;
  commit: string;
}

/** The environments a push to `branch` deploys to, in order; empty when the branch deploys nowhere. */
export function environmentsForBranch(map: DeploymentMap, serviceName: string, branch: string): string[] {
  return [...(deployableOf(map, serviceName).branches[branch] ?? [])];
}

export function planEnvironment(
  map: DeploymentMap,
  serviceName: string,
  environment: string,
  request: DeploymentRequest,
): EnvironmentPlan {
  const service = serviceOf(map, serviceName);
  const env = environmentOf(map, serviceName, environment);
  const { name, externalId } = map.deployRole;
  const { principalOrgId, principalOrgPaths } = map.ecr;
  const { alarms, probe } = env.health;
  const deployment: EnvironmentPlan['deployment'] = {
    deploymentId: request.deploymentId,
    serviceName,
    environment,
    commit: request.commit,
    orchestrator: { account: map.orchestrator.account, region: map.orchestrator.region },
    deployRole: externalId === undefined ? { name } : { name, externalId },
    ecr: {
      repository: service.repository,
      ...(principalOrgId === undefined ? {} : { principalOrgId }),
      ...(principalOrgPaths === undefined ? {} : { principalOrgPaths: [...principalOrgPaths] }),
      // Every environment of the repository, not just this one: concurrent pipelines then write one policy. An
      // organization grant names no account, and a map lists at most what fits one repository policy
      // (schema.ts checkPolicySize): the plan stays small however many accounts pull.
      ...grantedPullers(map, service.repository),
      replica: { ...REPLICA_CHECK },
    },
    // Always present (null without a template): a JSONPath reference to a missing field fails the execution.
    taskDefinitionTemplate:
      service.taskDefinitionTemplate === undefined ? null : structuredClone(service.taskDefinitionTemplate),
    serviceInstance: serviceInstanceOf(serviceName, service, environment, env),
    health: { alarms: [...alarms], ...(probe === undefined ? {} : { probeUrl: probe }) },
    rollout: {
      intervalSeconds: ROLLOUT_CHECK_INTERVAL_SECONDS,
      checks: Math.ceil(env.rollout.timeout / ROLLOUT_CHECK_INTERVAL_SECONDS),
    },
    bake: bakeLoop(env.bake),
  };
  return {
    targetKind: 'ecs-service',
    deployment,
    waves: env.waves.map((wave) => ({
      maxConcurrency: wave.maxConcurrency,
      failureTolerance: wave.failureTolerance,
      targets: wave.targets.flatMap((target) => expandTarget(service, target)),
    })),
  };
}

/** Every target (account × region) of an environment, wave after wave, as the workflows receive them. */
export function environmentTargets(map: DeploymentMap, serviceName: string, environment: string): DeployTarget[] {
  const service = serviceOf(map, serviceName);
  const env = environmentOf(map, serviceName, environment);
  return env.waves.flatMap((wave) => wave.targets.flatMap((target) => expandTarget(service, target)));
}

/** One target as the workflows receive it, with its environment and the map entry it was expanded from. */
export interface ServiceTarget {
  environment: string;
  target: DeployTarget;
  /** Names its own cluster or service only where it overrides the service's. */
  entry: Target;
}

/**
 * Every target of every environment the service deploys to, in map order, wave after wave: the targets a
 * deployment would reach, for the commands that look at them all (doctor, status).
 */
export function serviceTargets(map: DeploymentMap, serviceName: string): ServiceTarget[] {
  const service = serviceOf(map, serviceName);
  const deploysTo = environmentsOf(map, serviceName);
  return Object.entries(map.environments)
    .filter(([environment]) => deploysTo.has(environment))
    .flatMap(([environment, env]) =>
      env.waves.flatMap((wave) =>
        wave.targets.flatMap((entry) => expandTarget(service, entry).map((target) => ({ environment, target, entry }))),
      ),
    );
}

/** The environments the service's branches deploy to, in the order the branches name them. */
export function environmentsOf(map: DeploymentMap, serviceName: string): Set<string> {
  return new Set(Object.values(deployableOf(map, serviceName).branches).flat());
}

/**
 * The service template's stack, where the service names one; null otherwise (the service is created by other
 * means, and a deploy only updates it). An environment provisioned from a template feeds it its stack's outputs;
 * one provisioned by other means has no stack of crossdeploy's to read, so the service template takes the
 * service's inputs and what the deployment gives it only.
 */
function serviceInstanceOf(
  serviceName: string,
  service: Service,
  environment: string,
  env: Environment,
): ServiceInstanceSpec | null {
  if (!service.template) return null;
  const { name, version, inputs } = service.template;
  return {
    template: { kind: 'services', name, version },
    inputs: structuredClone(inputs),
    stackName: serviceStackName(serviceName, environment),
    environmentStack: env.template ? environmentStackName(environment) : null,
    rollout: { ...STACK_ROLLOUT },
  };
}

// One target per region; the target may name its own cluster and service, the service's otherwise.
function expandTarget(service: Service, target: Target): DeployTarget[] {
  return target.regions.map((region) => ({
    account: target.account,
    region,
    cluster: target.cluster ?? service.cluster,
    service: target.service ?? service.service,
    container: service.container,
  }));
}

export function bakeLoop(seconds: number): CheckLoop {
  if (seconds === 0) return { intervalSeconds: 0, checks: 0 };
  const intervalSeconds = Math.min(MAX_BAKE_CHECK_INTERVAL_SECONDS, seconds);
  return { intervalSeconds, checks: Math.ceil(seconds / intervalSeconds) };
}

/** A service of either kind: an ECS service or an application stack. */
export function deployableOf(map: DeploymentMap, serviceName: string): Service | ApplicationStack {
  const deployable = map.services[serviceName] ?? map.applications[serviceName];
  if (!deployable) {
    const known = [...Object.keys(map.services), ...Object.keys(map.applications)];
    throw new Error(`unknown service "${serviceName}" (services in the map: ${known.join(', ')})`);
  }
  return deployable;
}

function serviceOf(map: DeploymentMap, serviceName: string): Service {
  if (map.applications[serviceName]) {
    throw new Error(`service "${serviceName}" is an application stack (kind: stack): it has no ECS targets`);
  }
  const service = map.services[serviceName];
  if (!service) {
    throw new Error(`unknown service "${serviceName}" (services in the map: ${Object.keys(map.services).join(', ')})`);
  }
  return service;
}

/** The map's environment of that name; any other name is refused, naming the ones the map has. */
export function environmentNamed(map: DeploymentMap, environment: string): Environment {
  const env = map.environments[environment];
  if (!env) {
    throw new Error(
      `unknown environment "${environment}" (environments in the map: ${Object.keys(map.environments).join(', ')})`,
    );
  }
  return env;
}

// Planning an environment the service never deploys to is a caller bug, and the map's duplicate-target
// check never looked at that combination.
export function environmentOf(map: DeploymentMap, serviceName: string, environment: string): Environment {
  const env = environmentNamed(map, environment);
  const deploysTo = environmentsOf(map, serviceName);
  if (!deploysTo.has(environment)) {
    throw new Error(
      `service "${serviceName}" does not deploy to environment "${environment}" ` +
        `(its branches deploy to: ${[...deploysTo].join(', ')})`,
    );
  }
  return env;
}

/** The accounts a listing grant names (none for an organization's), and every region the repository is pulled in. */
function grantedPullers(map: DeploymentMap, repository: string): { accounts: string[]; regions: string[] } {
  const { accounts, regions } = repositoryPullers(map, repository);
  const byOrganization = map.ecr.principalOrgId !== undefined || map.ecr.principalOrgPaths !== undefined;
  return { accounts: byOrganization ? [] : accounts, regions };
}
