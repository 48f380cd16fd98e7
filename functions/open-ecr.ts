import {
  ECRClient,
  GetRegistryPolicyCommand,
  GetRepositoryPolicyCommand,
  PutRegistryPolicyCommand,
  SetRepositoryPolicyCommand,
} from '@aws-sdk/client-ecr';
import type { z } from 'zod';
import { awsCall } from '../aws/transient';
import { mergeRegistryPolicy, mergeRepositoryPolicy, type PullGrant, policyGrantsPull } from '../core/ecr-policy';
import { EcrPullDenied, RepositoryNotFound, TransientAwsError } from '../core/errors';
import { lambdaStep } from './lib/lambda-step';
import { logger } from './lib/powertools';
import { targetDeployment } from './lib/schemas';

export interface EcrLike {
  send: ECRClient['send'];
}

type Input = z.infer<typeof targetDeployment>;
export type PolicyWrite = 'written' | 'unchanged' | 'skipped';

/**
 * Lets the target account pull the image from the orchestrator's repository. Targets of one wave run in
 * parallel and may write the same policy at once, so a write is read back: a grant lost to a concurrent
 * writer is a transient error and the step is retried on the newer policy.
 */
export async function openEcrToTarget(
  input: Input,
  ecr: EcrLike = new ECRClient({ region: input.orchestrator.region }),
) {
  const { account } = input.target;
  const grant: PullGrant = input.ecr.principalOrgId
    ? { principalOrgId: input.ecr.principalOrgId }
    : { accounts: [account] };
  const repositoryPolicy = await openRepository(ecr, input, grant);
  const registryPolicy = input.ecr.registryPolicy ? await openRegistry(ecr, input, grant) : 'skipped';
  logger.info('ECR open to target account', {
    account,
    repository: input.ecr.repository,
    repositoryPolicy,
    registryPolicy,
  });
  return { repositoryPolicy, registryPolicy };
}

async function openRepository(ecr: EcrLike, input: Input, grant: PullGrant): Promise<PolicyWrite> {
  const repositoryName = input.ecr.repository;
  const read = () => readRepositoryPolicy(ecr, repositoryName, input.orchestrator.account);
  const existing = await read();
  const merged = mergeRepositoryPolicy(existing, grant);
  if (merged.changed) {
    await awsCall(`ecr:SetRepositoryPolicy ${repositoryName}`, () =>
      ecr.send(new SetRepositoryPolicyCommand({ repositoryName, policyText: merged.policy })),
    );
  }
  const now = merged.changed ? await read() : existing;
  if (merged.changed && mergeRepositoryPolicy(now, grant).changed) {
    throw new TransientAwsError(`repository policy of ${repositoryName} lost a concurrent write; retrying`);
  }
  if ('accounts' in grant && !policyGrantsPull(now, input.target.account)) {
    throw new EcrPullDenied(repositoryName, input.target.account);
  }
  return merged.changed ? 'written' : 'unchanged';
}

async function readRepositoryPolicy(ecr: EcrLike, repositoryName: string, account: string) {
  try {
    const answer = await awsCall(`ecr:GetRepositoryPolicy ${repositoryName}`, () =>
      ecr.send(new GetRepositoryPolicyCommand({ repositoryName })),
    );
    return answer.policyText;
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'RepositoryPolicyNotFoundException') return undefined;
    if (name === 'RepositoryNotFoundException') throw new RepositoryNotFound(repositoryName, account, { cause: error });
    throw error;
  }
}

async function openRegistry(ecr: EcrLike, input: Input, grant: PullGrant): Promise<PolicyWrite> {
  const registry = { account: input.orchestrator.account, region: input.orchestrator.region };
  let existing: string | undefined;
  try {
    existing = (await awsCall('ecr:GetRegistryPolicy', () => ecr.send(new GetRegistryPolicyCommand({})))).policyText;
  } catch (error) {
    if ((error as Error).name !== 'RegistryPolicyNotFoundException') throw error;
  }
  const merged = mergeRegistryPolicy(existing, grant, registry);
  if (!merged.changed) return 'unchanged';
  await awsCall('ecr:PutRegistryPolicy', () => ecr.send(new PutRegistryPolicyCommand({ policyText: merged.policy })));
  return 'written';
}

export const handler = lambdaStep('open-ecr', targetDeployment, (input) => openEcrToTarget(input));
