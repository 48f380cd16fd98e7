import { type DeploymentConfiguration, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { z } from 'zod';
import { type TargetClientFactory, targetClientFactory } from '../aws/target-clients';
import { awsCall } from '../aws/transient';
import { deployRole, deployTarget } from '../core/contracts';
import { configurationToRestore } from '../core/deployment-configuration';
import { lambdaStep } from './lib/lambda-step';
import { logger } from './lib/powertools';

const input = z.object({
  target: deployTarget,
  deployRole,
  deploymentConfiguration: z.looseObject({}),
});

/**
 * Puts back the deployment configuration the service had before crossdeploy armed its circuit breaker and
 * alarms, once the rollback has settled. Not in the rollback's own UpdateService: each deployment runs with the
 * configuration it started with, and the team's alarms (still firing) or circuit breaker with rollback would
 * then be allowed to roll the rollback back to the last completed deployment, which may be the bad revision
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-alarm-failure.html). Once the rollback
 * has completed, it is the last completed deployment: whatever the restored configuration makes ECS do, it can
 * only go back to the revision the rollback restored.
 */
export async function restoreDeploymentConfiguration(
  event: z.infer<typeof input>,
  clients: TargetClientFactory = targetClientFactory(),
): Promise<{ restored: true }> {
  const { target } = event;
  const { ecs } = clients(target, event.deployRole);
  await awsCall(`ecs:UpdateService ${target.account}/${target.region}`, () =>
    ecs.send(
      new UpdateServiceCommand({
        cluster: target.cluster,
        service: target.service,
        deploymentConfiguration: configurationToRestore(event.deploymentConfiguration) as DeploymentConfiguration,
      }),
    ),
  );
  logger.info("restored the team's deployment configuration", { account: target.account, region: target.region });
  return { restored: true };
}

export const handler = lambdaStep('restore-deployment-configuration', input, (event) =>
  restoreDeploymentConfiguration(event),
);
