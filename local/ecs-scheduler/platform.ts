// ECS starts a task only on the platform its task definition names (X86_64 Linux without runtimePlatform):
// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html#runtime-platform
// An image index without a manifest for that platform cannot be pulled: the task stops with
// "CannotPullContainerError: ... image Manifest does not contain descriptor matching platform 'linux/amd64'"
// (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/stopped-task-error-codes.html). A single
// manifest built for another CPU is pulled without a platform check, and its container exits at once with
// `exec format error`; the task stops with "Essential container in task exited", exit code 1
// (https://repost.aws/knowledge-center/ecs-task-exec-format-error). A manifest's own platform lives in its
// config blob, which moto does not keep; buildx pushes each platform's manifest beside the index that lists
// it, so the platform of a manifest pinned by digest is read from an index of the same repository.

import { ecrImageOf } from '../../core/images';
import {
  INDEX_MEDIA_TYPES,
  indexPlatforms,
  MANIFEST_MEDIA_TYPES,
  platformName,
  platformOfTask,
} from '../../core/platform';
import type { Where } from './faults';
import type { MotoApi } from './moto-api';

/** What the platform check reads of a task definition. */
export interface PlatformRevision {
  runtimePlatform?: { cpuArchitecture?: string; operatingSystemFamily?: string };
  containerDefinitions?: { name?: string; image?: string }[];
}

interface StoredImage {
  imageId?: { imageDigest?: string; imageTag?: string };
  imageManifest?: string;
  imageManifestMediaType?: string;
}

type ImageId = { imageDigest: string } | { imageTag: string };

/** What ECS knows of a pulled image's platforms: an index's list, or a single manifest's one platform. */
type ImagePlatforms = { kind: 'index'; platforms: string[] } | { kind: 'manifest'; platform: string };

const ACCEPTED = [...INDEX_MEDIA_TYPES, ...MANIFEST_MEDIA_TYPES];

/** What a task of this revision stops with because of its image's platforms; undefined when it can start. */
export async function platformStoppedReason(
  moto: MotoApi,
  taskDefinition: PlatformRevision,
): Promise<string | undefined> {
  const { platform } = platformOfTask(taskDefinition.runtimePlatform);
  for (const container of taskDefinition.containerDefinitions ?? []) {
    const found = await imagePlatforms(moto, container.image ?? '');
    if (found?.kind === 'index' && !found.platforms.includes(platform)) {
      return (
        'CannotPullContainerError: pull image manifest has been retried 5 time(s): ' +
        `image Manifest does not contain descriptor matching platform '${platform}'`
      );
    }
    if (found?.kind === 'manifest' && found.platform !== platform) {
      return (
        'Essential container in task exited: ' +
        `container ${container.name} (built for ${found.platform}) exited with code 1: exec format error`
      );
    }
  }
  return undefined;
}

/** The platforms of an ECR image; undefined for images elsewhere, missing, or of a platform nobody lists. */
async function imagePlatforms(moto: MotoApi, image: string): Promise<ImagePlatforms | undefined> {
  const ref = ecrImageOf(image);
  if (!ref) return undefined;
  const at = { account: ref.account, region: ref.region };
  const [found] = await images(moto, at, ref.repository, [ref.reference]);
  if (!found?.imageManifest) return undefined;
  const platforms = indexPlatforms(found.imageManifest, found.imageManifestMediaType);
  if (platforms) return { kind: 'index', platforms };
  const digest = found.imageId?.imageDigest ?? ('imageDigest' in ref.reference ? ref.reference.imageDigest : undefined);
  const platform = await listedPlatform(moto, at, ref.repository, digest);
  return platform ? { kind: 'manifest', platform } : undefined;
}

/** The platform an index of the repository gives the manifest with this digest. */
async function listedPlatform(
  moto: MotoApi,
  at: Where,
  repositoryName: string,
  digest: string | undefined,
): Promise<string | undefined> {
  if (!digest) return undefined;
  const { imageIds = [] } = await moto
    .ecr<{ imageIds?: { imageDigest?: string; imageTag?: string }[] }>(at, 'ListImages', {
      repositoryName,
      filter: { tagStatus: 'TAGGED' },
    })
    .catch(() => ({ imageIds: [] }));
  const tagged = imageIds.flatMap((i) => (i.imageTag ? [{ imageTag: i.imageTag }] : []));
  for (const index of await images(moto, at, repositoryName, tagged)) {
    const parsed = JSON.parse(index.imageManifest ?? '{}') as {
      manifests?: { digest?: string; platform?: { os?: string; architecture?: string; variant?: string } }[];
    };
    const entry = parsed.manifests?.find((m) => m.digest === digest);
    if (entry?.platform) return platformName(entry.platform);
  }
  return undefined;
}

async function images(moto: MotoApi, at: Where, repositoryName: string, imageIds: ImageId[]): Promise<StoredImage[]> {
  if (imageIds.length === 0) return [];
  const answer = await moto
    .ecr<{ images?: StoredImage[] }>(at, 'BatchGetImage', { repositoryName, imageIds, acceptedMediaTypes: ACCEPTED })
    // A repository that is not there is a pull failure of its own, not a platform one.
    .catch(() => undefined);
  return answer?.images ?? [];
}
