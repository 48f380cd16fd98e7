// The local image builder: stands in for CodeBuild by pushing a manifest-only image for a commit to ECR.
// moto's ECR takes a manifest without layer uploads, which is all a deployment needs: a tag, a digest and
// the platforms. Like `docker buildx build --push`, it pushes one image manifest per platform (by digest)
// and tags an OCI image index that lists them, so the platforms can be read from the tag alone.
// Everything is derived from (service, commit, platforms), so building the same commit twice yields the
// same digest.

import { createHash } from 'node:crypto';
import {
  BatchGetImageCommand,
  DescribeRegistryCommand,
  DescribeRepositoriesCommand,
  type ECRClient,
  PutImageCommand,
} from '@aws-sdk/client-ecr';
import type { ImageRef } from '../core/contracts';
import { RepositoryNotFound } from '../core/errors';
import { DEFAULT_PLATFORMS, type Platform } from '../core/platform';

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
  /** What the map's `platforms` says; one image manifest each. */
  platforms?: readonly Platform[];
  /** Never read: a reproducible image carries no build time. Accepted so callers can pass their clock uniformly. */
  clock?: () => Date;
}

const MANIFEST_MEDIA_TYPE = 'application/vnd.oci.image.manifest.v1+json';
const INDEX_MEDIA_TYPE = 'application/vnd.oci.image.index.v1+json';

export async function buildImage(opts: BuildOptions): Promise<BuiltImage> {
  const { ecr, repository, commit, service } = opts;
  const platforms = [...(opts.platforms ?? DEFAULT_PLATFORMS)];
  if (!/^[0-9a-f]{40}$/.test(commit)) throw new InvalidCommit(commit);

  const repositoryUri = await repositoryUriOf(ecr, repository);
  const children = [];
  for (const platform of platforms) {
    const manifest = manifestFor(service, commit, platform);
    const digest = sha256(manifest);
    await pushChild(ecr, repository, manifest, digest);
    children.push({ platform, manifest, digest });
  }
  const index = JSON.stringify({
    schemaVersion: 2,
    mediaType: INDEX_MEDIA_TYPE,
    manifests: children.map(({ platform, manifest, digest }) => {
      const [os, architecture] = platform.split('/');
      return {
        mediaType: MANIFEST_MEDIA_TYPE,
        size: Buffer.byteLength(manifest),
        digest,
        platform: { architecture, os },
      };
    }),
  });
  // moto computes a wrong digest unless told; ECR itself checks that this is the hash of the exact bytes.
  const digest = sha256(index);
  let pushed = true;
  try {
    await ecr.send(
      new PutImageCommand({
        repositoryName: repository,
        imageTag: commit,
        imageManifest: index,
        imageManifestMediaType: INDEX_MEDIA_TYPE,
        imageDigest: digest,
      }),
    );
  } catch (error) {
    // ECR raises this only when this digest already carries this tag, so the existing image is ours.
    if (!(error instanceof Error && error.name === 'ImageAlreadyExistsException')) throw error;
    pushed = false;
  }
  return { repositoryUri, digest, uri: `${repositoryUri}@${digest}`, platforms, tag: commit, pushed };
}

/** A platform's manifest, untagged as buildx pushes it; a rebuild finds it there already. */
async function pushChild(ecr: ECRClient, repository: string, manifest: string, digest: string): Promise<void> {
  const { images } = await ecr.send(
    new BatchGetImageCommand({ repositoryName: repository, imageIds: [{ imageDigest: digest }] }),
  );
  if (images?.length) return;
  await ecr.send(
    new PutImageCommand({
      repositoryName: repository,
      imageManifest: manifest,
      imageManifestMediaType: MANIFEST_MEDIA_TYPE,
      imageDigest: digest,
    }),
  );
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

/** An OCI image manifest whose config labels the image with its source; its one layer stands for the build output. */
function manifestFor(service: string, commit: string, platform: Platform): string {
  const [os, architecture] = platform.split('/');
  const layer = sha256(`crossdeploy layer\n${service}\n${commit}\n${platform}`);
  const config = JSON.stringify({
    architecture,
    os,
    config: { Labels: { 'org.opencontainers.image.revision': commit, 'crossdeploy.service': service } },
    rootfs: { type: 'layers', diff_ids: [layer] },
  });
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: MANIFEST_MEDIA_TYPE,
    config: {
      mediaType: 'application/vnd.oci.image.config.v1+json',
      size: Buffer.byteLength(config),
      digest: sha256(config),
    },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', size: 32, digest: layer }],
  });
}

function sha256(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}
