import { DescribeImagesCommand, type ECRClient } from '@aws-sdk/client-ecr';
import { z } from 'zod';
import { awsCall } from '../aws/transient';
import { deploymentSpec, deployTarget } from '../core/contracts';
import { ImageReplicaMissing } from '../core/errors';
import { sharedEcrClient } from './lib/clients';
import { lambdaStep } from './lib/lambda-step';
import { logger } from './lib/powertools';

const input = z.object({
  deployment: deploymentSpec.pick({ image: true, orchestrator: true, ecr: true }),
  target: deployTarget,
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
  const { image, orchestrator, ecr } = event.deployment;
  const { repository } = ecr;
  const where = `${orchestrator.account}/${region}`;
  const found = await hasImage(ecrIn(region), repository, image.digest, where);
  const checksLeft = (event.replica?.checksLeft ?? ecr.replica.checks) - 1;
  logger.info('image replica check', { where, repository, digest: image.digest, found, checksLeft });
  if (found) return { found, checksLeft };
  if (region === orchestrator.region) {
    throw new ImageReplicaMissing(where, repository, image.digest, 'the repository it was built into lost it');
  }
  if (checksLeft <= 0) {
    const { checks, intervalSeconds } = ecr.replica;
    throw new ImageReplicaMissing(
      where,
      repository,
      image.digest,
      `ECR did not replicate it from ${orchestrator.region} in ${checks} checks ${intervalSeconds} s apart; ` +
        `check the replication rules of the tools registry (aws ecr describe-registry --region ${orchestrator.region})`,
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
