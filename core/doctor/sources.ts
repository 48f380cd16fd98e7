// Where the container, platform and pass-role checks read the task definition a deploy starts from: the map's
// template when the service has one, else the live revision aws/doctor-checks.ts describes.

import type { DeploymentMap } from '../map/schema';
import type { RuntimePlatformLike } from '../platform';
import type { DoctorTarget } from './targets';
import type { ContainerSource, PlatformSource } from './task-definition';

/** The revision a deploy starts from: where it was read, its containers and the roles it names. */
export interface Revision {
  source: string;
  containers: string[];
  runtimePlatform?: RuntimePlatformLike | undefined;
  taskRoleArn?: string | undefined;
  executionRoleArn?: string | undefined;
}

/** The map's template decides the containers when there is one: a deploy never reads the live revision then. */
export function templateSources(
  map: DeploymentMap,
  target: DoctorTarget,
): { container: ContainerSource; platform: PlatformSource } | undefined {
  const service = map.services[target.service];
  const template = service?.taskDefinitionTemplate;
  if (!service?.taskDefinition || !template) return undefined;
  const file = service.taskDefinition;
  const definitions = Array.isArray(template.containerDefinitions) ? (template.containerDefinitions as unknown[]) : [];
  const containers = definitions.flatMap((c) =>
    typeof c === 'object' && c !== null && typeof (c as { name?: unknown }).name === 'string'
      ? [(c as { name: string }).name]
      : [],
  );
  const { runtimePlatform } = template;
  const platform: PlatformSource =
    typeof runtimePlatform === 'object' && runtimePlatform !== null
      ? { kind: 'template', file, runtimePlatform: runtimePlatform as RuntimePlatformLike }
      : { kind: 'template', file };
  return { container: { kind: 'template', file, containers }, platform };
}

/** The roles the map's template names: with a template, those are the ones a deploy registers. */
export function templateRoles(map: DeploymentMap, target: DoctorTarget): Revision {
  const service = map.services[target.service];
  const template = (service?.taskDefinitionTemplate ?? {}) as Record<string, unknown>;
  const text = (field: string) => (typeof template[field] === 'string' ? (template[field] as string) : undefined);
  return {
    source: `the task definition template ${service?.taskDefinition ?? ''}`,
    containers: [],
    taskRoleArn: text('taskRoleArn'),
    executionRoleArn: text('executionRoleArn'),
  };
}

export function liveContainers(revision: Revision): ContainerSource {
  return { kind: 'live', taskDefinition: revision.source, containers: revision.containers };
}

export function livePlatform({ source, runtimePlatform }: Revision): PlatformSource {
  return { kind: 'live', taskDefinition: source, ...(runtimePlatform && { runtimePlatform }) };
}
