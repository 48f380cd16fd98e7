import { DescribeImagesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { z } from 'zod';
import { awsCall } from '../aws/transient';
import { RepositoryNotFound } from '../core/errors';
import type { ImageRef } from '../core/types';
import { lambdaStep } from './lib/lambda-step';
import { logger } from './lib/powertools';

const input = z.object({
  repository: z.string().min(1),
  commit: z.string().regex(/^[0-9a-f]{40}$/),
  orchestrator: z.object({ account: z.string(), region: z.string() }),
});

/** The build tagged the image with the full commit id; every environment then deploys that digest. */
export class BuiltImageNotFound extends Error {
  override name = 'BuiltImageNotFound' as const;
}

export async function findBuiltImage(
  event: z.infer<typeof input>,
  ecr: Pick<ECRClient, 'send'> = new ECRClient({ region: event.orchestrator.region }),
): Promise<{ image: ImageRef }> {
  const { repository, commit } = event;
  const answer = await awsCall(`ecr:DescribeImages ${repository}:${commit}`, () =>
    ecr.send(new DescribeImagesCommand({ repositoryName: repository, imageIds: [{ imageTag: commit }] })),
  ).catch((error: Error) => {
    if (error.name === 'RepositoryNotFoundException')
      throw new RepositoryNotFound(repository, event.orchestrator.account);
    if (error.name === 'ImageNotFoundException') {
      throw new BuiltImageNotFound(`no image tagged ${commit} in ${repository}: the build did not push it`);
    }
    throw error;
  });
  const found = answer.imageDetails?.[0];
  if (!found?.imageDigest) throw new BuiltImageNotFound(`no image tagged ${commit} in ${repository}`);
  const repositoryUri = `${found.registryId ?? event.orchestrator.account}.dkr.ecr.${event.orchestrator.region}.amazonaws.com/${repository}`;
  logger.info('built image found', { repository, commit, digest: found.imageDigest });
  return { image: { repositoryUri, digest: found.imageDigest, uri: `${repositoryUri}@${found.imageDigest}` } };
}

export const handler = lambdaStep('find-built-image', input, (event) => findBuiltImage(event));
