import { BatchGetImageCommand, type ECRClient } from '@aws-sdk/client-ecr';
import { z } from 'zod';
import { awsCall } from '../aws/transient';
import { type ImageRef, orchestratorRef } from '../core/contracts';
import { RepositoryNotFound } from '../core/errors';
import { ecrRegistryHost } from '../core/partition';
import { INDEX_MEDIA_TYPES, indexPlatforms, MANIFEST_MEDIA_TYPES } from '../core/platform';
import { sharedEcrClient } from './lib/clients';
import { lambdaStep } from './lib/lambda-step';
import { logger } from './lib/powertools';

const input = z
  .object({
    repository: z.string().min(1),
    /** A push: the build tagged the image with the full commit id. */
    commit: z
      .string()
      .regex(/^[0-9a-f]{40}$/)
      .optional(),
    /** A rollback: the digest the ledger recorded. */
    digest: z
      .string()
      .regex(/^sha256:[0-9a-f]{64}$/)
      .optional(),
    orchestrator: orchestratorRef,
  })
  .refine((event) => (event.commit === undefined) !== (event.digest === undefined), 'give a commit or a digest');

/** The build tagged the image with the full commit id; every environment then deploys that digest. */
export class BuiltImageNotFound extends Error {
  override name = 'BuiltImageNotFound' as const;
}

/** The tag names a single-platform manifest (or an index without platforms), so no one can tell what it runs on. */
export class ImagePlatformsUnknown extends Error {
  override name = 'ImagePlatformsUnknown' as const;
}

/**
 * Finds the image by the commit's tag (or a rollback's digest) and reads the platforms its image index lists.
 * BatchGetImage returns an index only when asked for index media types
 * (https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_BatchGetImage.html).
 */
export async function findBuiltImage(
  event: z.infer<typeof input>,
  ecr: Pick<ECRClient, 'send'> = sharedEcrClient(event.orchestrator.region),
): Promise<{ image: ImageRef }> {
  const { repository } = event;
  const imageId = event.commit ? { imageTag: event.commit } : { imageDigest: event.digest };
  const what = `${repository}:${event.commit ?? event.digest}`;
  const answer = await awsCall(`ecr:BatchGetImage ${what}`, () =>
    ecr.send(
      new BatchGetImageCommand({
        repositoryName: repository,
        imageIds: [imageId],
        acceptedMediaTypes: [...INDEX_MEDIA_TYPES, ...MANIFEST_MEDIA_TYPES],
      }),
    ),
  ).catch((error: Error) => {
    if (error.name === 'RepositoryNotFoundException') {
      throw new RepositoryNotFound(repository, event.orchestrator.account, { cause: error });
    }
    throw error;
  });
  const found = answer.images?.[0];
  const digest = found?.imageId?.imageDigest;
  if (!found?.imageManifest || !digest) {
    const reason = answer.failures?.[0]?.failureReason;
    throw new BuiltImageNotFound(
      event.commit
        ? `no image tagged ${event.commit} in ${repository}: the build did not push it${reason ? ` (${reason})` : ''}`
        : `no image ${event.digest} in ${repository} any more${reason ? ` (${reason})` : ''}`,
    );
  }
  const platforms = indexPlatforms(found.imageManifest, found.imageManifestMediaType);
  if (!platforms?.length) {
    throw new ImagePlatformsUnknown(
      `${repository}@${digest} (${what}) is a single-platform manifest (${found.imageManifestMediaType ?? 'no media type'}), ` +
        'so what it runs on is unknown: crossdeploy deploys image indexes, which its build pushes ' +
        "(docker buildx build --platform <the service's platforms> --push, then docker buildx imagetools create)",
    );
  }
  const repositoryUri = `${ecrRegistryHost(found.registryId ?? event.orchestrator.account, event.orchestrator.region)}/${repository}`;
  logger.info('built image found', { repository, commit: event.commit, digest, platforms });
  return { image: { repositoryUri, digest, uri: `${repositoryUri}@${digest}`, platforms } };
}

export const handler = lambdaStep('find-built-image', input, (event) => findBuiltImage(event));
