import { UpdateServiceCommand } from '@aws-sdk/client-ecs';
import type { z } from 'zod';
import { describeService } from '../aws/ecs-service';
import { type TargetClientFactory, targetClientFactory } from '../aws/target-clients';
import { awsCall } from '../aws/transient';
import { type Progress, targetRollback } from '../core/contracts';
import { DeploymentRolledBack } from '../core/errors';
import { lambdaStep } from './lib/lambda-step';
import { logger } from './lib/powertools';

const input = targetRollback.pick({
  deploymentId: true,
  target: true,
  deployRole: true,
  revision: true,
  rollout: true,
  reason: true,
});

/**
 * Puts the service back on the revision it ran before the deployment. When ECS's circuit breaker already
 * did, nothing is updated: the workflow only waits for that rollback to settle and reports it.
 */
export async function rollBackService(
  event: z.infer<typeof input>,
  clients: TargetClientFactory = targetClientFactory(),
  now: () => Date = () => new Date(),
): Promise<Progress & { cause: string; updated: boolean }> {
  const { target } = event;
  // An ECS service's revision is its task definition.
  const taskDefinitionArn = event.revision.previous;
  const { ecs } = clients(target, event.deployRole);
  const startedAt = now().toISOString();
  const service = await describeService(ecs, target);
  const primary = service.deployments?.find((d) => d.status === 'PRIMARY');
  const alreadyRestored = primary?.taskDefinition === taskDefinitionArn;
  if (!alreadyRestored) {
    await awsCall(`ecs:UpdateService ${target.account}/${target.region}`, () =>
      ecs.send(
        new UpdateServiceCommand({
          cluster: target.cluster,
          service: target.service,
          taskDefinition: taskDefinitionArn,
          // The alarms that failed the deployment are still firing: armed, they would fail this rollback too,
          // and ECS would roll back to the last completed deployment, the bad one. Nor may ECS undo the
          // rollback: if it fails, the workflow reports it. Once the rollback has settled, rollback-target puts
          // the service's own configuration back (functions/restore-deployment-configuration.ts).
          deploymentConfiguration: {
            deploymentCircuitBreaker: { enable: true, rollback: false },
            alarms: { alarmNames: [], enable: false, rollback: false },
          },
        }),
      ),
    );
  }
  const cause = new DeploymentRolledBack(target, event.reason, taskDefinitionArn).message;
  logger.warn('rolling back', { account: target.account, region: target.region, cause, updated: !alreadyRestored });
  return {
    startedAt,
    rolloutChecksLeft: event.rollout.checks,
    state: 'IN_PROGRESS',
    summary: alreadyRestored
      ? 'ECS already rolled back; waiting for it to settle'
      : `rolling back to ${taskDefinitionArn}`,
    cause,
    updated: !alreadyRestored,
  };
}

export const handler = lambdaStep('roll-back-service', input, (event) => rollBackService(event));
