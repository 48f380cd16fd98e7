import type { z } from 'zod';
import { type AssumeOptions, assumeDeployRole, deployRoleArn } from '../aws/deploy-role';
import { lambdaStep } from './lib/lambda-step';
import { logger } from './lib/powertools';
import { targetDeployment } from './lib/schemas';

/** First step of every target: fail early and terminally when the account is not bootstrapped. */
export async function assumeRoleInTarget(input: z.infer<typeof targetDeployment>, options: AssumeOptions = {}) {
  const { account, region } = input.target;
  await assumeDeployRole(input.target, input.deployRole, {
    sessionName: `crossdeploy-${input.deploymentId}`,
    ...options,
  });
  const roleArn = deployRoleArn(account, input.deployRole, region);
  logger.info('assumed deploy role', { account, region, roleArn });
  return { roleArn };
}

export const handler = lambdaStep('assume-deploy-role', targetDeployment, (input) => assumeRoleInTarget(input));
