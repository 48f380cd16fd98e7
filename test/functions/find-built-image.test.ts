import { createHash } from 'node:crypto';
import { ECRClient, PutImageCommand } from '@aws-sdk/client-ecr';
import { describe, expect, it } from 'vitest';
import { findBuiltImage } from '../../functions/find-built-image';
import { buildImage } from '../../local/builder';
import { seedRepository, useMoto } from '../support/moto';
import { ORCHESTRATOR } from '../support/workflows';

useMoto();
const COMMIT = '3f2a9c1e4b5d6a7f8091a2b3c4d5e6f708192a3b';
const sha256 = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;

async function failureOf(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected the step to fail');
    },
    (error: unknown) => error as Error,
  );
}

/** What `docker push` without buildx leaves: a plain single-platform manifest under the commit's tag. */
async function pushSingleManifest(): Promise<string> {
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: 2, digest: sha256('{}') },
    layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: 1, digest: sha256('l') }],
  });
  const ecr = new ECRClient({});
  await ecr.send(
    new PutImageCommand({
      repositoryName: 'web',
      imageTag: COMMIT,
      imageManifest: manifest,
      imageManifestMediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      imageDigest: sha256(manifest),
    }),
  );
  return sha256(manifest);
}

describe('find-built-image step (findBuiltImage)', () => {
  it("returns the commit's image index, pinned by digest, with the platforms its manifests name", async () => {
    await seedRepository('web');
    const built = await buildImage({
      ecr: new ECRClient({}),
      repository: 'web',
      commit: COMMIT,
      service: 'web',
      platforms: ['linux/amd64', 'linux/arm64'],
    });

    const { image } = await findBuiltImage({ repository: 'web', commit: COMMIT, orchestrator: ORCHESTRATOR });

    expect(image).toEqual({
      repositoryUri: '111111111111.dkr.ecr.us-east-1.amazonaws.com/web',
      digest: built.digest,
      uri: `111111111111.dkr.ecr.us-east-1.amazonaws.com/web@${built.digest}`,
      platforms: ['linux/amd64', 'linux/arm64'],
    });
  });

  it("finds a rollback's image by the digest the ledger kept, and reads its platforms again", async () => {
    await seedRepository('web');
    const built = await buildImage({
      ecr: new ECRClient({}),
      repository: 'web',
      commit: COMMIT,
      service: 'web',
      platforms: ['linux/arm64'],
    });

    const { image } = await findBuiltImage({ repository: 'web', digest: built.digest, orchestrator: ORCHESTRATOR });

    expect(image.digest).toBe(built.digest);
    expect(image.platforms).toEqual(['linux/arm64']);
  });

  it('fails with ImagePlatformsUnknown, saying how to build, when the tag names a single-platform manifest', async () => {
    await seedRepository('web');
    const digest = await pushSingleManifest();

    const error = await failureOf(findBuiltImage({ repository: 'web', commit: COMMIT, orchestrator: ORCHESTRATOR }));

    expect(error.name).toBe('ImagePlatformsUnknown');
    expect(error.message).toContain(`web@${digest}`);
    expect(error.message).toContain('single-platform manifest');
    expect(error.message).toContain('docker buildx build --platform');
  });

  it('fails with BuiltImageNotFound when the build pushed nothing for the commit', async () => {
    await seedRepository('web');

    const error = await failureOf(findBuiltImage({ repository: 'web', commit: COMMIT, orchestrator: ORCHESTRATOR }));

    expect(error.name).toBe('BuiltImageNotFound');
    expect(error.message).toContain(`no image tagged ${COMMIT} in web`);
  });

  it('fails with RepositoryNotFound naming the tools account when the repository does not exist', async () => {
    const error = await failureOf(findBuiltImage({ repository: 'web', commit: COMMIT, orchestrator: ORCHESTRATOR }));

    expect(error.name).toBe('RepositoryNotFound');
    expect(error.message).toBe('ECR repository "web" does not exist in account 111111111111');
  });
});
