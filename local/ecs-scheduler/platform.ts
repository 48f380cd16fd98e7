// ECS starts a task only on the platform its task definition names (X86_64 Linux without runtimePlatform).
// An image index without a manifest for that platform cannot be pulled: Fargate stops the task with
// "CannotPullContainerError: ... image Manifest does not contain descriptor matching platform 'linux/amd64'"
// (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/stopped-task-error-codes.html). A single
// manifest built for another CPU is pulled, and the container dies at once with `exec format error`
// (https://repost.aws/knowledge-center/ecs-task-exec-format-error): the local builder always pushes an
// index, and a manifest's own platform lives in its config blob, which moto does not keep, so only the
// first case is told apart here.

import { INDEX_MEDIA_TYPES, indexPlatforms, MANIFEST_MEDIA_TYPES, platformOfTask } from '../../core/platform';
import type { Where } from './faults';
import type { MotoApi } from './moto-api';

interface TaskDefinition {
  runtimePlatform?: { cpuArchitecture?: string; operatingSystemFamily?: string };
  containerDefinitions?: { name?: string; image?: string }[];
}

interface BatchGetImageAnswer {
  images?: { imageManifest?: string; imageManifestMediaType?: string }[];
}

const ECR_IMAGE =
  /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([^@:]+)(?:@(sha256:[0-9a-f]{64})|:([\w.-]+))?$/;

/** What a task of this revision stops with because of its image's platforms; undefined when it can start. */
export async function platformStoppedReason(
  moto: MotoApi,
  where: Where,
  taskDefinitionArn: string,
): Promise<string | undefined> {
  const { taskDefinition } = await moto.ecs<{ taskDefinition: TaskDefinition }>(where, 'DescribeTaskDefinition', {
    taskDefinition: taskDefinitionArn,
  });
  const { platform } = platformOfTask(taskDefinition.runtimePlatform);
  for (const container of taskDefinition.containerDefinitions ?? []) {
    const platforms = await imagePlatforms(moto, container.image ?? '');
    if (platforms && !platforms.includes(platform)) {
      return (
        'CannotPullContainerError: pull image manifest has been retried 5 time(s): ' +
        `image Manifest does not contain descriptor matching platform '${platform}'`
      );
    }
  }
  return undefined;
}

/** The platforms of an ECR image's index; undefined for images elsewhere, missing, or not an index. */
async function imagePlatforms(moto: MotoApi, image: string): Promise<string[] | undefined> {
  const [, account, region, repositoryName, digest, tag] = ECR_IMAGE.exec(image) ?? [];
  if (!account || !region || !repositoryName) return undefined;
  const answer = await moto
    .ecr<BatchGetImageAnswer>({ account, region }, 'BatchGetImage', {
      repositoryName,
      imageIds: [digest ? { imageDigest: digest } : { imageTag: tag ?? 'latest' }],
      acceptedMediaTypes: [...INDEX_MEDIA_TYPES, ...MANIFEST_MEDIA_TYPES],
    })
    // A repository that is not there is a pull failure of its own, not a platform one.
    .catch(() => undefined);
  const found = answer?.images?.[0];
  return found?.imageManifest ? indexPlatforms(found.imageManifest, found.imageManifestMediaType) : undefined;
}
