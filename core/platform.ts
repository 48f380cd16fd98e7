// What an image is built for and what a task definition runs on. Images name platforms as OCI does
// (`linux/amd64`); ECS task definitions name a CPU architecture and an OS family (`X86_64`, `LINUX`).

/** The platforms crossdeploy builds, as `docker buildx build --platform` and an image index name them. */
export const PLATFORMS = ['linux/amd64', 'linux/arm64'] as const;
export type Platform = (typeof PLATFORMS)[number];

/** What a service builds when the map does not say: Fargate's and most EC2 instances' architecture. */
export const DEFAULT_PLATFORMS: readonly Platform[] = ['linux/amd64'];

export type CpuArchitecture = 'X86_64' | 'ARM64';

/** `runtimePlatform` of a task definition, as DescribeTaskDefinition returns it (both fields optional). */
export interface RuntimePlatformLike {
  cpuArchitecture?: string;
  operatingSystemFamily?: string;
}

const PLATFORM_OF: Record<CpuArchitecture, Platform> = { X86_64: 'linux/amd64', ARM64: 'linux/arm64' };

/**
 * The platform a task definition's containers must be built for. Without `runtimePlatform` (or without
 * its `cpuArchitecture`) ECS runs tasks on X86_64 Linux:
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html#runtime-platform
 * and https://repost.aws/knowledge-center/ecs-task-exec-format-error ("the default value is X86_64").
 */
export function platformOfTask(runtimePlatform: RuntimePlatformLike | undefined): {
  cpuArchitecture: string;
  operatingSystemFamily: string;
  platform: string;
} {
  const cpuArchitecture = runtimePlatform?.cpuArchitecture ?? 'X86_64';
  const operatingSystemFamily = runtimePlatform?.operatingSystemFamily ?? 'LINUX';
  const known = PLATFORM_OF[cpuArchitecture as CpuArchitecture];
  const os = operatingSystemFamily === 'LINUX' ? 'linux' : operatingSystemFamily.toLowerCase();
  const platform = known && os === 'linux' ? known : `${os}/${cpuArchitecture.toLowerCase()}`;
  return { cpuArchitecture, operatingSystemFamily, platform };
}

/** Whether an image with these platforms runs on a task definition with this runtime platform. */
export function runsOn(imagePlatforms: readonly string[], runtimePlatform: RuntimePlatformLike | undefined): boolean {
  return imagePlatforms.includes(platformOfTask(runtimePlatform).platform);
}

/** `os/architecture[/variant]` of an image index entry; the variant is kept only where it is set. */
export function platformName(platform: { os?: string; architecture?: string; variant?: string }): string {
  return [platform.os ?? 'unknown', platform.architecture ?? 'unknown', platform.variant]
    .filter((part) => part !== undefined && part !== '')
    .join('/');
}
