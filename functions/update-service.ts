import { UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { z } from 'zod';
import { type TargetClientFactory, targetClientFactory } from '../aws/target-clients';
import { awsCall } from '../aws/transient';
import { type Progress, targetDeployment } from '../core/contracts';
import { waitsStarted } from '../core/target-waits';
import { lambdaStep } from './lib/lambda-step';
import { logger } from './lib/powertools';

const input = targetDeployment.extend({
  revision: z.looseObject({ taskDefinitionArn: z.string().min(1) }),
});

/**
 * Points the service at the new revision with ECS's circuit breaker and the environment's alarms armed,
 * so ECS itself also stops a rollout whose tasks fail or whose alarms fire.
 */
export async function updateService(
  event: z.infer<typeof input>,
  clients: TargetClientFactory = targetClientFactory(),
  now: () => Date = () => new Date(),
): Promise<Progress> {
  const { target, revision, deployment } = event;
  const { health } = deployment;
  const { ecs } = clients(target, deployment.deployRole);
  const startedAt = now().toISOString();
  const { service } = await awsCall(`ecs:UpdateService ${target.account}/${target.region}`, () =>
    ecs.send(
      new UpdateServiceCommand({
        cluster: target.cluster,
        service: target.service,
        taskDefinition: revision.taskDefinitionArn,
        deploymentConfiguration: {
          deploymentCircuitBreaker: { enable: true, rollback: true },
          ...(health.alarms.length > 0 ? { alarms: { alarmNames: health.alarms, enable: true, rollback: true } } : {}),
        },
      }),
    ),
  );
  logger.info('service updated', {
    account: target.account,
    region: target.region,
    taskDefinition: revision.taskDefinitionArn,
  });
  // ECS names the rollout it started: its PRIMARY deployment, now on the new revision.
  const primary = service?.deployments?.find(
    (d) => d.status === 'PRIMARY' && d.taskDefinition === revision.taskDefinitionArn,
  );
  return waitsStarted(deployment, {
    startedAt,
    ecsDeploymentId: primary?.id,
    summary: `service ${target.cluster}/${target.service} updated to ${revision.taskDefinitionArn}`,
  });
}

export const handler = lambdaStep('update-service', input, (event) => updateService(event));
