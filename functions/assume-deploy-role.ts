import { z } from 'zod';
import { type AssumeOptions, assumeDeployRole, deployRoleArn } from '../aws/deploy-role';
import { deployRole, waveTarget } from '../core/contracts';
import { lambdaStep } from './lib/lambda-step';
import { logger } from './lib/powertools';

/** Every kind's per-target input has the deployment's id and role, and where the target is. */
const input = z.object({
  deployment: z.looseObject({ deploymentId: z.string().min(1), deployRole }),
  target: waveTarget,
});

/** First step of every target: fail early and terminally when the account is not bootstrapped. */
export async function assumeRoleInTarget(event: z.infer<typeof input>, options: AssumeOptions = {}) {
  const { target, deployment } = event;
  const { account, region } = target;
  await assumeDeployRole(target, deployment.deployRole, {
    sessionName: `crossdeploy-${deployment.deploymentId}`,
    ...options,
  });
  const roleArn = deployRoleArn(account, deployment.deployRole, region);
  logger.info('assumed deploy role', { account, region, roleArn });
  return { roleArn };
}

export const handler = lambdaStep('assume-deploy-role', input, (event) => assumeRoleInTarget(event));
