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
import { checkImagePlatform } from '../core/platform';
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
  const template = input.taskDefinitionTemplate;
  const family = typeof template?.family === 'string' ? template.family : familyOf(previousTaskDefinitionArn);
  // The family the revision goes into may not exist yet: a template's first deploy.
  const latest = await describeTaskDefinition(ecs, family, where).catch((error: Error) => {
    if (error.name === 'ClientException' && template) return undefined;
    throw error;
  });

  const latestArn = latest?.taskDefinition.taskDefinitionArn;
  if (latestArn && deploymentIdOf(latest.tags) === input.deploymentId) {
    logger.info('revision already registered for this deployment', { where, arn: latestArn });
    return { taskDefinitionArn: latestArn, previousTaskDefinitionArn, reused: true };
  }

  const base =
    template ??
    (latest && latestArn === previousTaskDefinitionArn
      ? latest.taskDefinition
      : (await describeTaskDefinition(ecs, previousTaskDefinitionArn, where)).taskDefinition);
  const next = deriveTaskDefinition(base, input.target.container, input.image.uri);
  checkImagePlatform(input.target, next, input.image);
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
