import { BatchGetImageCommand, type ECRClient, PutImageCommand } from '@aws-sdk/client-ecr';
import { z } from 'zod';
import { awsCall } from '../aws/transient';
import { imageRef } from '../core/contracts';
import { deployedTag } from '../core/images';
import { sharedEcrClient } from './lib/clients';
import { lambdaStep } from './lib/lambda-step';
import { logger } from './lib/powertools';

const input = z.object({
  environment: z.string().min(1),
  commit: z.string().min(1),
  image: imageRef,
  ecr: z.object({ repository: z.string().min(1) }),
  /** The regions of the wave's targets: where the image (or its replica) now runs. */
  regions: z.array(z.string().min(1)).min(1),
});

/** A digest that now runs somewhere could not be tagged: it may expire, the deployment itself stands. */
export class ImageNotMarked extends Error {
  override name = 'ImageNotMarked' as const;
}

/**
 * Tags the digest a wave now runs `deployed-<environment>-<commit>` in each region its targets pull from, so
 * the repository's lifecycle policy (stacks/images.ts) keeps it. A tag is added by putting the same manifest
 * again under the new tag (https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-retag.html).
 */
export async function markImageDeployed(
  event: z.infer<typeof input>,
  ecrIn: (region: string) => Pick<ECRClient, 'send'> = sharedEcrClient,
): Promise<{ tag: string; regions: string[] }> {
  const tag = deployedTag(event.environment, event.commit);
  const { repository: repositoryName } = event.ecr;
  const { digest: imageDigest } = event.image;
  const regions = [...new Set(event.regions)].sort();
  for (const region of regions) {
    const ecr = ecrIn(region);
    const what = `${repositoryName}@${imageDigest} in ${region}`;
    const { images } = await awsCall(`ecr:BatchGetImage ${what}`, () =>
      ecr.send(new BatchGetImageCommand({ repositoryName, imageIds: [{ imageDigest }] })),
    );
    const manifest = images?.[0]?.imageManifest;
    if (!manifest) throw new ImageNotMarked(`${what}: ECR returned no manifest to tag ${tag}`);
    await awsCall(`ecr:PutImage ${what}`, () =>
      ecr.send(
        new PutImageCommand({
          repositoryName,
          imageManifest: manifest,
          imageManifestMediaType: images?.[0]?.imageManifestMediaType,
          imageDigest,
          imageTag: tag,
        }),
      ),
    ).catch((error: Error) => {
      // The image already carries the tag: an earlier wave, or a retry, marked it.
      if (error.name !== 'ImageAlreadyExistsException') throw error;
    });
  }
  logger.info('image marked as deployed', { repository: repositoryName, digest: imageDigest, tag, regions });
  return { tag, regions };
}

export const handler = lambdaStep('mark-image-deployed', input, (event) => markImageDeployed(event));
