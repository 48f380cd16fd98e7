// Checks 3 and 4, container and platform: both read the task definition a deploy starts from (the map's
// template, else the service's live revision), so they share how that source is named in a detail.

import { PLATFORM_OF, PLATFORMS, platformOfTask, type RuntimePlatformLike } from '../platform';
import type { Outcome } from './checks';
import type { DoctorTarget } from './targets';

/**
 * Where a deploy finds the container: the map's task definition template when the service has one (the live
 * revision is then never read), else the revision the service runs now.
 */
export type ContainerSource =
  | { kind: 'template'; file: string; containers: string[] }
  | { kind: 'live'; taskDefinition: string; containers: string[] };

export function containerOutcome(target: DoctorTarget, source: ContainerSource): Outcome {
  const { container } = target;
  const named = nameOf(source);
  const listed = source.containers.join(', ') || 'none';
  if (source.containers.includes(container)) {
    return { result: 'ok', detail: `${container} is in ${named} (containers: ${listed})` };
  }
  const addTo =
    source.kind === 'template' ? `to ${source.file}` : `to the task definition of service ${target.ecsService}`;
  const choose =
    source.containers.length > 0 ? `set services.${target.service}.container to one of ${listed}, or ` : '';
  return {
    result: 'FAIL',
    detail: `container "${container}" is not in ${named} (containers: ${listed})`,
    fix: `${choose}add a container named "${container}" ${addTo}`,
  };
}

/** The service runs no task definition (another deployment controller): crossdeploy has nothing to derive from. */
export function noTaskDefinition(target: DoctorTarget): Outcome {
  return {
    result: 'FAIL',
    detail: `service ${target.ecsService} has no task definition`,
    fix: `give service ${target.ecsService} a task definition (ECS deployment controller), or a taskDefinition template in the map`,
  };
}

/** Where a deploy finds the runtime platform: the map's template when there is one, else the live revision. */
export type PlatformSource =
  | { kind: 'template'; file: string; runtimePlatform?: RuntimePlatformLike }
  | { kind: 'live'; taskDefinition: string; runtimePlatform?: RuntimePlatformLike };

/** How a detail names the task definition it read, so both checks name it alike. */
function nameOf(source: ContainerSource | PlatformSource): string {
  return source.kind === 'template'
    ? `the task definition template ${source.file}`
    : `task definition ${source.taskDefinition}`;
}

/**
 * Whether the image the service builds runs where its task definition runs. Without `runtimePlatform` ECS
 * runs tasks on X86_64 Linux
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html#runtime-platform);
 * an image without that platform fails every task, with `exec format error` or a pull error
 * (https://repost.aws/knowledge-center/ecs-task-exec-format-error), until the circuit breaker rolls it back.
 */
export function platformOutcome(target: DoctorTarget, source: PlatformSource): Outcome {
  const { cpuArchitecture, operatingSystemFamily, platform } = platformOfTask(source.runtimePlatform);
  const named = nameOf(source);
  const declared = source.runtimePlatform?.cpuArchitecture === undefined ? ', as it names no cpuArchitecture' : '';
  const runsOn = `${named} runs on ${cpuArchitecture} ${operatingSystemFamily} (${platform})${declared}`;
  const builds = `services.${target.service}.platforms builds ${target.platforms.join(', ')}`;
  if (target.platforms.includes(platform)) return { result: 'ok', detail: `${runsOn}; ${builds}` };
  const change =
    source.kind === 'template'
      ? `set runtimePlatform in ${source.file} to`
      : `register a revision for service ${target.ecsService} whose runtimePlatform is`;
  const runnable = Object.entries(PLATFORM_OF)
    .filter(([, built]) => target.platforms.includes(built))
    .map(([architecture]) => `{ cpuArchitecture: ${architecture}, operatingSystemFamily: LINUX }`);
  const rebuild = (PLATFORMS as readonly string[]).includes(platform)
    ? `add ${platform} to services.${target.service}.platforms, or `
    : `crossdeploy builds Linux images only: `;
  return {
    result: 'FAIL',
    detail: `${runsOn}, but ${builds} only: every task of a deploy would fail to start`,
    fix: `${rebuild}${change} ${runnable.join(' or ')}`,
  };
}
