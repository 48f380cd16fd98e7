import type { z } from 'zod';
import { type AssumeOptions, assumeDeployRole, deployRoleArn } from '../aws/deploy-role';
import { targetDeployment } from '../core/contracts';
import { lambdaStep } from './lib/lambda-step';
import { logger } from './lib/powertools';

/** First step of every target: fail early and terminally when the account is not bootstrapped. */
export async function assumeRoleInTarget(input: z.infer<typeof targetDeployment>, options: AssumeOptions = {}) {
  const { target, deployment } = input;
  const { account, region } = target;
  await assumeDeployRole(target, deployment.deployRole, {
    sessionName: `crossdeploy-${deployment.deploymentId}`,
    ...options,
  });
  const roleArn = deployRoleArn(account, deployment.deployRole, region);
  logger.info('assumed deploy role', { account, region, roleArn });
  return { roleArn };
}

export const handler = lambdaStep('assume-deploy-role', targetDeployment, (input) => assumeRoleInTarget(input));
