import {
  DescribeTaskDefinitionCommand,
  RegisterTaskDefinitionCommand,
  type RegisterTaskDefinitionCommandInput,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import type { z } from 'zod';
import { describeService, type EcsLike } from '../aws/ecs-service';
import { type TargetClientFactory, targetClientFactory } from '../aws/target-clients';
import { awsCall } from '../aws/transient';
import { deploymentIdOf, deriveTaskDefinition, familyOf, revisionTags } from '../core/task-definition';
import { lambdaStep } from './lib/lambda-step';
import { logger } from './lib/powertools';
import { targetDeployment } from './lib/schemas';

type Input = z.infer<typeof targetDeployment>;

/**
 * Registers the revision that runs the new image. The revision is tagged with the deployment id; when the
 * latest revision of the family already carries it, a retried step returns that one instead of
 * registering a second.
 */
export async function registerRevision(input: Input, clients: TargetClientFactory = targetClientFactory()) {
  const { ecs } = clients(input.target, input.deployRole);
  const where = `${input.target.account}/${input.target.region}`;
  const service = await describeService(ecs, input.target);
  const previousTaskDefinitionArn = service.taskDefinition as string;
  const latest = await describeTaskDefinition(ecs, familyOf(previousTaskDefinitionArn), where);

  if (deploymentIdOf(latest.tags) === input.deploymentId && latest.taskDefinition.taskDefinitionArn) {
    logger.info('revision already registered for this deployment', {
      where,
      arn: latest.taskDefinition.taskDefinitionArn,
    });
    return { taskDefinitionArn: latest.taskDefinition.taskDefinitionArn, previousTaskDefinitionArn, reused: true };
  }

  const base =
    input.taskDefinitionTemplate ??
    (latest.taskDefinition.taskDefinitionArn === previousTaskDefinitionArn
      ? latest.taskDefinition
      : (await describeTaskDefinition(ecs, previousTaskDefinitionArn, where)).taskDefinition);
  const next = deriveTaskDefinition(base, input.target.container, input.image.uri);
  const registered = await awsCall(`ecs:RegisterTaskDefinition ${where}`, () =>
    ecs.send(
      new RegisterTaskDefinitionCommand({
        ...(next as RegisterTaskDefinitionCommandInput),
        tags: revisionTags(input.commit, input.deploymentId),
      }),
    ),
  );
  const taskDefinitionArn = registered.taskDefinition?.taskDefinitionArn as string;
  logger.info('registered task definition revision', { where, taskDefinitionArn, previousTaskDefinitionArn });
  return { taskDefinitionArn, previousTaskDefinitionArn, reused: false };
}

async function describeTaskDefinition(ecs: EcsLike, taskDefinition: string, where: string) {
  const answer = await awsCall(`ecs:DescribeTaskDefinition ${where}`, () =>
    ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition, include: ['TAGS'] })),
  );
  return { taskDefinition: answer.taskDefinition as TaskDefinition, tags: answer.tags };
}

export const handler = lambdaStep('register-task-definition', targetDeployment, (input) => registerRevision(input));
