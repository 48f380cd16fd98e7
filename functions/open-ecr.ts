import { type ECRClient, GetRepositoryPolicyCommand, SetRepositoryPolicyCommand } from '@aws-sdk/client-ecr';
import { z } from 'zod';
import { awsCall } from '../aws/transient';
import { ecrAccess, orchestratorRef } from '../core/contracts';
import {
  mergeRepositoryPolicy,
  type PullGrant,
  policyGrantsPull,
  REPOSITORY_POLICY_MAX_LENGTH,
} from '../core/ecr-policy';
import { EcrPullDenied, RepositoryNotFound, RepositoryPolicyTooLarge, TransientAwsError } from '../core/errors';
import { pullGrantOf } from '../core/images';
import { partitionOf } from '../core/partition';
import { sharedEcrClient } from './lib/clients';
import { lambdaStep } from './lib/lambda-step';
import { logger } from './lib/powertools';

export interface EcrLike {
  send: ECRClient['send'];
}

const input = z.object({
  orchestrator: orchestratorRef,
  ecr: ecrAccess,
});

type Input = z.infer<typeof input>;
export type PolicyWrite = 'written' | 'unchanged';

/**
 * Lets every account the map deploys the repository to pull it, in every region its targets pull from. Runs
 * once per environment, before the first wave: the grant is the same for every pipeline of the repository
 * (all its environments' accounts), so concurrent writers write the same policy and cannot erase each
 * other's grants. A write is still read back, so a grant lost to someone else's writer is retried.
 */
export async function openEcrForEnvironment(
  event: Input,
  ecrIn: (region: string) => EcrLike = sharedEcrClient,
): Promise<{ regions: Record<string, PolicyWrite> }> {
  const grant = pullGrantOf(event.ecr);
  const regions: Record<string, PolicyWrite> = {};
  for (const region of event.ecr.regions) {
    regions[region] = await openRepository(ecrIn(region), event, region, grant);
  }
  logger.info('ECR open to the environment', { repository: event.ecr.repository, regions });
  return { regions };
}

async function openRepository(ecr: EcrLike, event: Input, region: string, grant: PullGrant): Promise<PolicyWrite> {
  const repositoryName = event.ecr.repository;
  const where = `${event.orchestrator.account}/${region}`;
  const read = () => readRepositoryPolicy(ecr, repositoryName, where);
  const existing = await read();
  const partition = partitionOf(region).name;
  const merged = mergeRepositoryPolicy(existing, grant, partition);
  if (merged.dropped.length > 0) {
    logger.warn('dropped principals of deleted roles or users from the repository policy', {
      repository: repositoryName,
      where,
      dropped: merged.dropped,
    });
  }
  if (merged.policy.length > REPOSITORY_POLICY_MAX_LENGTH) {
    const accounts = 'accounts' in grant ? grant.accounts.length : 0;
    throw new RepositoryPolicyTooLarge(
      repositoryName,
      where,
      accounts,
      merged.policy.length,
      REPOSITORY_POLICY_MAX_LENGTH,
    );
  }
  if (merged.changed) {
    await awsCall(`ecr:SetRepositoryPolicy ${repositoryName} ${where}`, () =>
      ecr.send(new SetRepositoryPolicyCommand({ repositoryName, policyText: merged.policy })),
    );
  }
  const now = merged.changed ? await read() : existing;
  if (merged.changed && mergeRepositoryPolicy(now, grant, partition).changed) {
    throw new TransientAwsError(`repository policy of ${repositoryName} in ${where} lost a concurrent write; retrying`);
  }
  if ('accounts' in grant) {
    const denied = grant.accounts.find((account) => !policyGrantsPull(now, account));
    if (denied !== undefined) throw new EcrPullDenied(repositoryName, denied);
  }
  return merged.changed ? 'written' : 'unchanged';
}

async function readRepositoryPolicy(ecr: EcrLike, repositoryName: string, where: string) {
  try {
    const answer = await awsCall(`ecr:GetRepositoryPolicy ${repositoryName} ${where}`, () =>
      ecr.send(new GetRepositoryPolicyCommand({ repositoryName })),
    );
    return answer.policyText;
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'RepositoryPolicyNotFoundException') return undefined;
    if (name === 'RepositoryNotFoundException') throw new RepositoryNotFound(repositoryName, where, { cause: error });
    throw error;
  }
}

export const handler = lambdaStep('open-ecr', input, (event) => openEcrForEnvironment(event));
