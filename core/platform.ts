// What an image is built for and what a task definition runs on. Images name platforms as OCI does
// (`linux/amd64`); ECS task definitions name a CPU architecture and an OS family (`X86_64`, `LINUX`).

import type { ImageRef, TargetRef } from './contracts';
import { ImagePlatformMismatch } from './errors';

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

/** The platform each ECS CPU architecture runs, on Linux. */
export const PLATFORM_OF: Record<CpuArchitecture, Platform> = { X86_64: 'linux/amd64', ARM64: 'linux/arm64' };

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

/**
 * `os/architecture[/variant]` of an image index entry. arm64's only variant, v8, is its default, so
 * `linux/arm64/v8` is `linux/arm64` (as containerd normalizes it).
 */
export function platformName(platform: { os?: string; architecture?: string; variant?: string }): string {
  const variant = platform.architecture === 'arm64' && platform.variant === 'v8' ? undefined : platform.variant;
  return [platform.os ?? 'unknown', platform.architecture ?? 'unknown', variant]
    .filter((part) => part !== undefined && part !== '')
    .join('/');
}

/**
 * The media types of a multi-platform image: an OCI image index and a Docker manifest list
 * (https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-manifest-formats.html).
 */
export const INDEX_MEDIA_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
] as const;

/** Single-platform manifests, which say nothing about their platform without fetching the config blob. */
export const MANIFEST_MEDIA_TYPES = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
] as const;

// BuildKit lists its provenance and SBOM attestations in the index as `unknown/unknown` manifests.
const ATTESTATION = 'attestation-manifest';

/**
 * The platforms an image index lists, or undefined when the manifest is not an index (a single-platform
 * manifest, which crossdeploy's build never pushes).
 */
export function indexPlatforms(manifest: string, mediaType: string | undefined): string[] | undefined {
  let parsed: { mediaType?: string; manifests?: unknown };
  try {
    parsed = JSON.parse(manifest);
  } catch {
    return undefined;
  }
  const type = mediaType ?? parsed.mediaType;
  if (!(INDEX_MEDIA_TYPES as readonly (string | undefined)[]).includes(type) || !Array.isArray(parsed.manifests)) {
    return undefined;
  }
  const platforms = new Set<string>();
  for (const entry of parsed.manifests as IndexEntry[]) {
    if (entry.annotations?.['vnd.docker.reference.type'] === ATTESTATION || !entry.platform) continue;
    const name = platformName(entry.platform);
    if (!name.includes('unknown')) platforms.add(name);
  }
  return [...platforms];
}

interface IndexEntry {
  platform?: { os?: string; architecture?: string; variant?: string };
  annotations?: Record<string, string>;
}

/**
 * Refuses, before anything changes in the target, an image whose index does not list the platform the task
 * definition runs on: ECS would start its tasks and each would exit at once with `exec format error`
 * (https://repost.aws/knowledge-center/ecs-task-exec-format-error).
 */
export function checkImagePlatform(
  target: TargetRef,
  taskDefinition: Readonly<Record<string, unknown>>,
  image: Pick<ImageRef, 'uri' | 'platforms'>,
): void {
  const runtimePlatform = taskDefinition.runtimePlatform as RuntimePlatformLike | undefined;
  if (runsOn(image.platforms, runtimePlatform)) return;
  throw new ImagePlatformMismatch(target, platformOfTask(runtimePlatform), image.platforms, image.uri);
}
