// The local image builder: stands in for CodeBuild by pushing a manifest-only image for a commit to ECR.
// moto's ECR takes a manifest without layer uploads, which is all a deployment needs: a tag and a digest.
// Everything is derived from (service, commit), so building the same commit twice yields the same digest.

import { createHash } from 'node:crypto';
import {
  DescribeRegistryCommand,
  DescribeRepositoriesCommand,
  type ECRClient,
  PutImageCommand,
} from '@aws-sdk/client-ecr';
import { RepositoryNotFound } from '../core/errors';
import type { ImageRef } from '../core/types';

export class InvalidCommit extends Error {
  override name = 'InvalidCommit' as const;
  constructor(readonly commit: string) {
    super(`commit "${commit}" is not a full git SHA-1 (40 lowercase hex characters)`);
  }
}

export interface BuiltImage extends ImageRef {
  /** The full commit: images are tagged by what they were built from. */
  tag: string;
  /** False when the repository already held this exact image under this tag. */
  pushed: boolean;
}

export interface BuildOptions {
  ecr: ECRClient;
  repository: string;
  commit: string;
  service: string;
  /** Never read: a reproducible image carries no build time. Accepted so callers can pass their clock uniformly. */
  clock?: () => Date;
}

const MANIFEST_MEDIA_TYPE = 'application/vnd.docker.distribution.manifest.v2+json';

export async function buildImage(opts: BuildOptions): Promise<BuiltImage> {
  const { ecr, repository, commit, service } = opts;
  if (!/^[0-9a-f]{40}$/.test(commit)) throw new InvalidCommit(commit);

  const repositoryUri = await repositoryUriOf(ecr, repository);
  const manifest = manifestFor(service, commit);
  // moto computes a wrong digest unless told; ECR itself checks that this is the hash of the exact bytes.
  const digest = sha256(manifest);
  let pushed = true;
  try {
    await ecr.send(
      new PutImageCommand({
        repositoryName: repository,
        imageTag: commit,
        imageManifest: manifest,
        imageManifestMediaType: MANIFEST_MEDIA_TYPE,
        imageDigest: digest,
      }),
    );
  } catch (error) {
    // ECR raises this only when this digest already carries this tag, so the existing image is ours.
    if (!(error instanceof Error && error.name === 'ImageAlreadyExistsException')) throw error;
    pushed = false;
  }
  return { repositoryUri, digest, uri: `${repositoryUri}@${digest}`, tag: commit, pushed };
}

async function repositoryUriOf(ecr: ECRClient, repository: string): Promise<string> {
  try {
    const { repositories } = await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [repository] }));
    const uri = repositories?.[0]?.repositoryUri;
    if (!uri) throw new Error(`ECR described repository "${repository}" without a URI`);
    return uri;
  } catch (error) {
    if (!(error instanceof Error && error.name === 'RepositoryNotFoundException')) throw error;
    const { registryId } = await ecr.send(new DescribeRegistryCommand({}));
    throw new RepositoryNotFound(repository, registryId ?? 'unknown', { cause: error });
  }
}

/** A Docker v2 manifest whose config blob labels the image with its source; its one layer stands for the build output. */
function manifestFor(service: string, commit: string): string {
  const layer = sha256(`crossdeploy layer\n${service}\n${commit}`);
  const config = JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    config: { Labels: { 'org.opencontainers.image.revision': commit, 'crossdeploy.service': service } },
    rootfs: { type: 'layers', diff_ids: [layer] },
  });
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: MANIFEST_MEDIA_TYPE,
    config: {
      mediaType: 'application/vnd.docker.container.image.v1+json',
      size: Buffer.byteLength(config),
      digest: sha256(config),
    },
    layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: 32, digest: layer }],
  });
}

function sha256(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}
