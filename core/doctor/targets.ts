// Which targets `crossdeploy doctor` checks: every ECS service a deployment of the map would reach, with what
// the checks and their fixes need to know about it.

import { serviceTargets } from '../map/plan';
import type { DeploymentMap } from '../map/schema';
import { environmentStackName, serviceStackName } from '../stacks/names';
import { registryKey } from '../templates/registry';

/** One ECS service of one environment, in one account and region, as a deployment would reach it. */
export interface DoctorTarget {
  /** The map's service name (`services.<name>`). */
  service: string;
  environment: string;
  account: string;
  region: string;
  cluster: string;
  ecsService: string;
  container: string;
  /** What the service's image is built for (`services.<name>.platforms`). */
  platforms: readonly string[];
  /** The target overrides the service's cluster / service name: the fix then points at the environment. */
  clusterOverridden: boolean;
  serviceOverridden: boolean;
  alarms: string[];
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

/**
 * Every target of every environment the service's branches deploy to (or of every service), in map order:
 * the environments, waves, targets and regions a deployment would walk, as core/map/plan.ts expands them.
 */
export function doctorTargets(map: DeploymentMap, only?: string): DoctorTarget[] {
  const names = only === undefined ? Object.keys(map.services) : [only];
  return names.flatMap((name) => {
    const service = map.services[name];
    if (!service) throw new Error(`unknown service "${name}" (services: ${Object.keys(map.services).join(', ')})`);
    return serviceTargets(map, name).map(({ environment, target, entry }) => ({
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
      alarms: [...new Set(map.environments[environment]?.health.alarms)],
      instance: service.template
        ? {
            name: service.template.name,
            version: service.template.version,
            label: `${registryKey('services', service.template.name)} ${service.template.version}`,
            stack: serviceStackName(name, environment),
            environmentStack: map.environments[environment]?.template ? environmentStackName(environment) : null,
          }
        : null,
    }));
  });
}

/** `222222222222/eu-west-1`: how details and fixes place a target. */
export const where = (t: Pick<DoctorTarget, 'account' | 'region'>) => `${t.account}/${t.region}`;
