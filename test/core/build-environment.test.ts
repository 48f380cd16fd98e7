import { describe, expect, it } from 'vitest';
import { BUILD_IMAGES, buildEnvironmentFor } from '../../core/build-environment';
import type { Platform } from '../../core/platform';

describe('buildEnvironmentFor', () => {
  it.each<[Platform[], ReturnType<typeof buildEnvironmentFor>]>([
    [
      ['linux/amd64'],
      {
        environmentType: 'LINUX_CONTAINER',
        image: 'aws/codebuild/amazonlinux-x86_64-standard:5.0',
        platforms: 'linux/amd64',
        emulate: '',
      },
    ],
    [
      ['linux/arm64'],
      {
        environmentType: 'ARM_CONTAINER',
        image: 'aws/codebuild/amazonlinux-aarch64-standard:3.0',
        platforms: 'linux/arm64',
        emulate: '',
      },
    ],
    [
      ['linux/amd64', 'linux/arm64'],
      {
        environmentType: 'LINUX_CONTAINER',
        image: 'aws/codebuild/amazonlinux-x86_64-standard:5.0',
        platforms: 'linux/amd64,linux/arm64',
        emulate: 'arm64',
      },
    ],
    [
      ['linux/arm64', 'linux/amd64'],
      {
        environmentType: 'LINUX_CONTAINER',
        image: 'aws/codebuild/amazonlinux-x86_64-standard:5.0',
        platforms: 'linux/arm64,linux/amd64',
        emulate: 'arm64',
      },
    ],
  ])('builds %j natively where it can, emulating only the foreign architecture', (platforms, expected) => {
    expect(buildEnvironmentFor(platforms)).toEqual(expected);
  });

  it('pairs each environment type with an image of its own CPU', () => {
    expect(BUILD_IMAGES.LINUX_CONTAINER).toMatch(/x86_64/);
    expect(BUILD_IMAGES.ARM_CONTAINER).toMatch(/aarch64/);
  });
});
