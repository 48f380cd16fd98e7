import { describe, expect, it } from 'vitest';
import { indexPlatforms, platformOfTask, runsOn } from '../../core/platform';

describe('platformOfTask', () => {
  it.each([
    [undefined, 'linux/amd64'],
    [{}, 'linux/amd64'],
    [{ operatingSystemFamily: 'LINUX' }, 'linux/amd64'],
    [{ cpuArchitecture: 'X86_64', operatingSystemFamily: 'LINUX' }, 'linux/amd64'],
    [{ cpuArchitecture: 'ARM64', operatingSystemFamily: 'LINUX' }, 'linux/arm64'],
    [
      { cpuArchitecture: 'X86_64', operatingSystemFamily: 'WINDOWS_SERVER_2022_CORE' },
      'windows_server_2022_core/x86_64',
    ],
  ])('reads %j as %s (no runtimePlatform is X86_64 Linux)', (runtimePlatform, platform) => {
    expect(platformOfTask(runtimePlatform).platform).toBe(platform);
  });

  it('runs a multi-platform image on either architecture, and a one-platform image on its own only', () => {
    expect(runsOn(['linux/amd64', 'linux/arm64'], { cpuArchitecture: 'ARM64' })).toBe(true);
    expect(runsOn(['linux/amd64', 'linux/arm64'], undefined)).toBe(true);
    expect(runsOn(['linux/arm64'], undefined)).toBe(false);
    expect(runsOn(['linux/amd64'], { cpuArchitecture: 'ARM64' })).toBe(false);
  });
});

describe('indexPlatforms', () => {
  const entry = (architecture: string, extra: object = {}) => ({
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: `sha256:${'a'.repeat(64)}`,
    size: 1,
    platform: { os: 'linux', architecture },
    ...extra,
  });

  it('lists the platforms of an OCI image index, leaving out BuildKit attestations', () => {
    const index = {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        entry('amd64'),
        entry('arm64'),
        {
          ...entry('unknown'),
          platform: { os: 'unknown', architecture: 'unknown' },
          annotations: { 'vnd.docker.reference.type': 'attestation-manifest' },
        },
      ],
    };
    expect(indexPlatforms(JSON.stringify(index), 'application/vnd.oci.image.index.v1+json')).toEqual([
      'linux/amd64',
      'linux/arm64',
    ]);
  });

  it('reads a Docker manifest list, with the media type from the manifest when ECR gives none, arm64/v8 as arm64', () => {
    const list = {
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json',
      manifests: [entry('arm64', { platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } })],
    };
    expect(indexPlatforms(JSON.stringify(list), undefined)).toEqual(['linux/arm64']);
  });

  it('knows no platforms of a single-platform manifest or of text that is not JSON', () => {
    const manifest = {
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      layers: [],
    };
    expect(indexPlatforms(JSON.stringify(manifest), manifest.mediaType)).toBeUndefined();
    expect(indexPlatforms('not json', 'application/vnd.oci.image.index.v1+json')).toBeUndefined();
  });
});
