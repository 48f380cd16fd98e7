import { createHash } from 'node:crypto';
import { BatchGetImageCommand, DescribeImagesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { describe, expect, it } from 'vitest';
import { buildImage } from '../../local/builder';
import { seedRepository, useMoto } from '../support/moto';

useMoto();
const COMMIT = '3f2a9c1e4b5d6a7f8091a2b3c4d5e6f708192a3b';
const sha256 = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;

describe('local image builder', () => {
  it('tags the commit with an image index whose digest is the sha256 of its bytes, linux/amd64 by default', async () => {
    const { repositoryUri } = await seedRepository('web');
    const ecr = new ECRClient({});

    const built = await buildImage({ ecr, repository: 'web', commit: COMMIT, service: 'web' });

    const { images } = await ecr.send(
      new BatchGetImageCommand({ repositoryName: 'web', imageIds: [{ imageTag: COMMIT }] }),
    );
    const index = images?.[0]?.imageManifest ?? '';
    expect(built).toEqual({
      repositoryUri,
      digest: sha256(index),
      uri: `${repositoryUri}@${built.digest}`,
      platforms: ['linux/amd64'],
      tag: COMMIT,
      pushed: true,
    });
    expect(repositoryUri).toBe('111111111111.dkr.ecr.us-east-1.amazonaws.com/web');
    expect(JSON.parse(index)).toMatchObject({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [{ platform: { os: 'linux', architecture: 'amd64' } }],
    });
  });

  it('pushes one manifest per platform, by digest, each the sha256 of its own bytes', async () => {
    await seedRepository('web');
    const ecr = new ECRClient({});

    const built = await buildImage({
      ecr,
      repository: 'web',
      commit: COMMIT,
      service: 'web',
      platforms: ['linux/amd64', 'linux/arm64'],
    });

    const { images } = await ecr.send(
      new BatchGetImageCommand({ repositoryName: 'web', imageIds: [{ imageDigest: built.digest }] }),
    );
    const entries = JSON.parse(images?.[0]?.imageManifest ?? '{}').manifests as {
      digest: string;
      size: number;
      platform: { os: string; architecture: string };
    }[];
    expect(entries.map((e) => `${e.platform.os}/${e.platform.architecture}`)).toEqual(['linux/amd64', 'linux/arm64']);
    for (const entry of entries) {
      const { images: children } = await ecr.send(
        new BatchGetImageCommand({ repositoryName: 'web', imageIds: [{ imageDigest: entry.digest }] }),
      );
      const manifest = children?.[0]?.imageManifest ?? '';
      expect(sha256(manifest)).toBe(entry.digest);
      expect(Buffer.byteLength(manifest)).toBe(entry.size);
      expect(JSON.parse(manifest)).toMatchObject({
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        layers: [expect.objectContaining({ digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) })],
      });
    }
    const { imageDetails } = await ecr.send(new DescribeImagesCommand({ repositoryName: 'web' }));
    expect(imageDetails?.find((d) => d.imageDigest === built.digest)?.imageTags).toEqual([COMMIT]);
    expect(imageDetails?.filter((d) => !d.imageTags?.length)).toHaveLength(2);
    expect(built.platforms).toEqual(['linux/amd64', 'linux/arm64']);
  });

  it('builds the same digest for the same commit and reports a second push of it as not pushed', async () => {
    await seedRepository('web');
    const ecr = new ECRClient({});

    const first = await buildImage({ ecr, repository: 'web', commit: COMMIT, service: 'web' });
    const second = await buildImage({ ecr, repository: 'web', commit: COMMIT, service: 'web' });

    expect(second).toEqual({ ...first, pushed: false });
  });

  it('gives another service built from the same commit its own image', async () => {
    await seedRepository('web');
    const ecr = new ECRClient({});

    const web = await buildImage({ ecr, repository: 'web', commit: COMMIT, service: 'web' });
    const worker = await buildImage({ ecr, repository: 'web', commit: COMMIT, service: 'worker' });

    expect(worker.digest).not.toBe(web.digest);
  });

  it.each(['3f2a9c1', `${COMMIT}0`, COMMIT.toUpperCase(), `${COMMIT.slice(0, 39)}g`])(
    'rejects %s with InvalidCommit before touching ECR',
    async (commit) => {
      const ecr = new ECRClient({});

      await expect(buildImage({ ecr, repository: 'web', commit, service: 'web' })).rejects.toMatchObject({
        name: 'InvalidCommit',
      });
    },
  );

  it('fails with RepositoryNotFound naming the repository and account when the repository is missing', async () => {
    const ecr = new ECRClient({});

    const failure = buildImage({ ecr, repository: 'missing', commit: COMMIT, service: 'web' });

    await expect(failure).rejects.toMatchObject({
      name: 'RepositoryNotFound',
      repository: 'missing',
      account: '111111111111',
    });
    await expect(failure).rejects.toThrow(/"missing".*111111111111/);
  });
});
