// Where a service's image is built: the CodeBuild environment whose CPU runs the image's platform, so the
// build runs natively; a multi-platform service builds on x86_64 and emulates arm64 with QEMU.

import type { Platform } from './platform';

/**
 * CodeBuild's Amazon Linux 2023 standard images, one per environment type
 * (https://docs.aws.amazon.com/codebuild/latest/userguide/ec2-compute-images.html, environment types:
 * https://docs.aws.amazon.com/codebuild/latest/userguide/build-env-ref-compute-types.html). They ship Docker
 * with the buildx plugin but no QEMU
 * (https://github.com/aws/aws-codebuild-docker-images/blob/master/al/x86_64/standard/5.0/Dockerfile).
 */
export const BUILD_IMAGES = {
  LINUX_CONTAINER: 'aws/codebuild/amazonlinux-x86_64-standard:5.0',
  ARM_CONTAINER: 'aws/codebuild/amazonlinux-aarch64-standard:3.0',
} as const;

export type BuildEnvironmentType = keyof typeof BUILD_IMAGES;

const NATIVE_PLATFORM: Record<BuildEnvironmentType, Platform> = {
  LINUX_CONTAINER: 'linux/amd64',
  ARM_CONTAINER: 'linux/arm64',
};

/** What the pipeline's "Build image once" state hands CodeBuild for one service (all plain strings). */
export interface BuildEnvironment {
  /** `EnvironmentTypeOverride` */
  environmentType: BuildEnvironmentType;
  /** `ImageOverride` */
  image: string;
  /** `CROSSDEPLOY_PLATFORMS`: `docker buildx build --platform`, comma-separated. */
  platforms: string;
  /**
   * `CROSSDEPLOY_EMULATE`: the architectures QEMU must run (`tonistiigi/binfmt --install`), comma-separated;
   * `''` when every platform is the host's own (CodeBuild refuses a null variable value).
   */
  emulate: string;
}

/** arm64 alone builds on Graviton; anything with amd64 builds on x86_64, emulating the rest. */
export function buildEnvironmentFor(platforms: readonly Platform[]): BuildEnvironment {
  const environmentType: BuildEnvironmentType =
    platforms.length > 0 && platforms.every((platform) => platform === 'linux/arm64')
      ? 'ARM_CONTAINER'
      : 'LINUX_CONTAINER';
  const foreign = platforms.filter((platform) => platform !== NATIVE_PLATFORM[environmentType]);
  return {
    environmentType,
    image: BUILD_IMAGES[environmentType],
    platforms: platforms.join(','),
    emulate: foreign.map((platform) => platform.split('/')[1]).join(','),
  };
}
