import { DescribeImagesCommand, type ECRClient } from '@aws-sdk/client-ecr';
import { z } from 'zod';
import { awsCall } from '../aws/transient';
import { ImageReplicaMissing } from '../core/errors';
import { sharedEcrClient } from './lib/clients';
import { lambdaStep } from './lib/lambda-step';
import { logger } from './lib/powertools';
import { deployTarget, ecrAccess, imageRef } from './lib/schemas';

const input = z.object({
  image: imageRef,
  orchestrator: z.object({ account: z.string(), region: z.string() }),
  target: deployTarget,
  ecr: ecrAccess,
  /** The previous check's answer; absent on the first. */
  replica: z.object({ found: z.boolean(), checksLeft: z.number().int() }).optional(),
});

export interface ReplicaCheck {
  found: boolean;
  checksLeft: number;
}

/**
 * One iteration of the replica wait loop: is the image, by its digest, in the tools account's repository
 * of the target's region? ECR replicates asynchronously and reports a replica only by it appearing there
 * (https://docs.aws.amazon.com/AmazonECR/latest/userguide/replication.html), so the state machine waits
 * and asks again until the checks run out.
 */
export async function checkImageReplica(
  event: z.infer<typeof input>,
  ecrIn: (region: string) => Pick<ECRClient, 'send'> = sharedEcrClient,
): Promise<ReplicaCheck> {
  const { region } = event.target;
  const { repository } = event.ecr;
  const where = `${event.orchestrator.account}/${region}`;
  const found = await hasImage(ecrIn(region), repository, event.image.digest, where);
  const checksLeft = (event.replica?.checksLeft ?? event.ecr.replica.checks) - 1;
  logger.info('image replica check', { where, repository, digest: event.image.digest, found, checksLeft });
  if (found) return { found, checksLeft };
  if (region === event.orchestrator.region) {
    throw new ImageReplicaMissing(where, repository, event.image.digest, 'the repository it was built into lost it');
  }
  if (checksLeft <= 0) {
    const { checks, intervalSeconds } = event.ecr.replica;
    throw new ImageReplicaMissing(
      where,
      repository,
      event.image.digest,
      `ECR did not replicate it from ${event.orchestrator.region} in ${checks} checks ${intervalSeconds} s apart; ` +
        `check the replication rules of the tools registry (aws ecr describe-registry --region ${event.orchestrator.region})`,
    );
  }
  return { found, checksLeft };
}

async function hasImage(ecr: Pick<ECRClient, 'send'>, repositoryName: string, imageDigest: string, where: string) {
  try {
    const answer = await awsCall(`ecr:DescribeImages ${repositoryName}@${imageDigest} ${where}`, () =>
      ecr.send(new DescribeImagesCommand({ repositoryName, imageIds: [{ imageDigest }] })),
    );
    return (answer.imageDetails ?? []).some((image) => image.imageDigest === imageDigest);
  } catch (error) {
    // Replication creates the repository with the first image it copies, when the stack did not.
    const name = (error as Error).name;
    if (name === 'ImageNotFoundException' || name === 'RepositoryNotFoundException') return false;
    throw error;
  }
}

export const handler = lambdaStep('check-image-replica', input, (event) => checkImageReplica(event));
