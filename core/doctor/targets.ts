// Which targets `crossdeploy doctor` checks: every ECS service and every application stack a deployment of the map
// would reach, with what the checks and their fixes need to know about it.

import { environmentsOf, serviceTargets } from '../map/plan';
import type { DeploymentMap } from '../map/schema';
import { applicationStackName, environmentStackName, serviceStackName } from '../stacks/names';
import { registryKey } from '../templates/registry';

/** Where a target is, whatever it deploys: what the checks every kind of target shares need. */
export interface TargetPlace {
  /** The map's service name (`services.<name>`). */
  service: string;
  environment: string;
  account: string;
  region: string;
  /** The environment's alarms, once each (`environments.<env>.health.alarms`). */
  alarms: string[];
}

/** One ECS service of one environment, in one account and region, as a deployment would reach it. */
export interface DoctorTarget extends TargetPlace {
  cluster: string;
  ecsService: string;
  container: string;
  /** What the service's image is built for (`services.<name>.platforms`). */
  platforms: readonly string[];
  /** The target overrides the service's cluster / service name: the fix then points at the environment. */
  clusterOverridden: boolean;
  serviceOverridden: boolean;
  /** Where the service names a template: what its first deploy to this target creates the service from. */
  instance: ServiceInstanceRef | null;
}

/** A templated service's instance in one environment, as core/map/plan.ts serviceInstance names it. */
export interface ServiceInstanceRef {
  name: string;
  version: string;
  /** `services/web-service v1.0`: how details and fixes name the version. */
  label: string;
  /** `crossdeploy-svc-<service>-<environment>` */
  stack: string;
  /** `crossdeploy-env-<environment>` where the environment names a template, whose outputs the instance takes. */
  environmentStack: string | null;
}

/** One application stack (`kind: stack`) of one environment, in one account and region, as a push deploys it. */
export interface StackDoctorTarget extends TargetPlace {
  /** `crossdeploy-app-<service>-<environment>` */
  stack: string;
  /** `crossdeploy-env-<environment>` where the environment names a template, whose outputs the stack takes. */
  environmentStack: string | null;
}

/** `--service` and `--env`: the targets of one service (of either kind), of one environment, or both. */
export interface DoctorFilter {
  service?: string;
  env?: string;
}

/**
 * Every ECS target of every environment the service's branches deploy to (or of every service), in map order:
 * the environments, waves, targets and regions a deployment would walk, as core/map/plan.ts expands them. An
 * application stack's name selects none.
 */
export function doctorTargets(map: DeploymentMap, filter: DoctorFilter = {}): DoctorTarget[] {
  return selected(map, filter, map.services).flatMap(([name, service]) =>
    serviceTargets(map, name)
      .filter(({ environment }) => inFilter(filter, environment))
      .map(({ environment, target, entry }) => ({
        service: name,
        environment,
        account: target.account,
        region: target.region,
        cluster: target.cluster,
        ecsService: target.service,
        container: target.container,
        platforms: service.platforms,
        clusterOverridden: entry.cluster !== undefined,
        serviceOverridden: entry.service !== undefined,
        alarms: alarmsOf(map, environment),
        instance: service.template
          ? {
              name: service.template.name,
              version: service.template.version,
              label: `${registryKey('services', service.template.name)} ${service.template.version}`,
              stack: serviceStackName(name, environment),
              environmentStack: environmentStackOf(map, environment),
            }
          : null,
      })),
  );
}

/**
 * Every target of every application stack's environments (or of the one asked for), in map order, as
 * core/map/application-plan.ts plans them. An ECS service's name selects none.
 */
export function stackDoctorTargets(map: DeploymentMap, filter: DoctorFilter = {}): StackDoctorTarget[] {
  return selected(map, filter, map.applications).flatMap(([service]) => {
    const deploysTo = environmentsOf(map, service);
    return Object.entries(map.environments)
      .filter(([environment]) => deploysTo.has(environment) && inFilter(filter, environment))
      .flatMap(([environment, env]) =>
        env.waves.flatMap((wave) =>
          wave.targets.flatMap((target) =>
            target.regions.map((region) => ({
              service,
              environment,
              account: target.account,
              region,
              alarms: alarmsOf(map, environment),
              stack: applicationStackName(service, environment),
              environmentStack: environmentStackOf(map, environment),
            })),
          ),
        ),
      );
  });
}

/** The services of one kind the filter selects, by name; a name of neither kind is refused, naming both. */
function selected<T>(map: DeploymentMap, filter: DoctorFilter, ofKind: Record<string, T>): Array<[string, T]> {
  if (filter.service === undefined) return Object.entries(ofKind);
  const known = [...Object.keys(map.services), ...Object.keys(map.applications)];
  if (!known.includes(filter.service)) {
    throw new Error(`unknown service "${filter.service}" (services: ${known.join(', ')})`);
  }
  const service = ofKind[filter.service];
  return service === undefined ? [] : [[filter.service, service]];
}

const inFilter = (filter: DoctorFilter, environment: string) => (filter.env ?? environment) === environment;

const alarmsOf = (map: DeploymentMap, environment: string) => [
  ...new Set(map.environments[environment]?.health.alarms),
];

const environmentStackOf = (map: DeploymentMap, environment: string) =>
  map.environments[environment]?.template ? environmentStackName(environment) : null;

/** `222222222222/eu-west-1`: how details and fixes place a target. */
export const where = (t: Pick<TargetPlace, 'account' | 'region'>) => `${t.account}/${t.region}`;
