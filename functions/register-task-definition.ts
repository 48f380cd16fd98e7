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
import { type DeploymentSpec, targetDeployment } from '../core/contracts';
import { recordedConfiguration } from '../core/deployment-configuration';
import { controllerOf, DEPLOYABLE_CONTROLLER } from '../core/deployment-controller';
import { UnsupportedDeploymentController } from '../core/errors';
import { imageIn } from '../core/images';
import { checkImagePlatform } from '../core/platform';
import {
  deploymentIdOf,
  deriveTaskDefinition,
  familyOf,
  MAX_TAGS,
  mergeRevisionTags,
  revisionTags,
  type TagLike,
} from '../core/task-definition';
import { lambdaStep } from './lib/lambda-step';
import { logger } from './lib/powertools';

type Input = z.infer<typeof targetDeployment>;

/**
 * Registers the revision that runs the new image. The revision is tagged with the deployment id; when the
 * latest revision of the family already carries it, a retried step returns that one instead of
 * registering a second.
 */
export async function registerRevision(input: Input, clients: TargetClientFactory = targetClientFactory()) {
  const { deployment } = input;
  const { ecs } = clients(input.target, deployment.deployRole);
  const where = `${input.target.account}/${input.target.region}`;
  const service = await describeService(ecs, input.target);
  // Refused before anything is registered: UpdateService could not deploy the revision anyway.
  const controller = controllerOf(service);
  if (controller !== DEPLOYABLE_CONTROLLER) throw new UnsupportedDeploymentController(input.target, controller);
  const previousTaskDefinitionArn = service.taskDefinition as string;
  // Before crossdeploy arms its own: a rollback puts this back once it has settled.
  const deploymentConfiguration = recordedConfiguration(service.deploymentConfiguration);
  const template = deployment.taskDefinitionTemplate;
  const family = typeof template?.family === 'string' ? template.family : familyOf(previousTaskDefinitionArn);
  // The family the revision goes into may not exist yet: a template's first deploy.
  const latest = await describeTaskDefinition(ecs, family, where).catch((error: Error) => {
    if (error.name === 'ClientException' && template) return undefined;
    throw error;
  });

  const latestArn = latest?.taskDefinition.taskDefinitionArn;
  if (latestArn && deploymentIdOf(latest.tags) === deployment.deploymentId) {
    logger.info('revision already registered for this deployment', { where, arn: latestArn });
    return { taskDefinitionArn: latestArn, previousTaskDefinitionArn, reused: true, deploymentConfiguration };
  }

  const live =
    latest && latestArn === previousTaskDefinitionArn
      ? latest
      : await describeTaskDefinition(ecs, previousTaskDefinitionArn, where);
  const base = template ?? live.taskDefinition;
  // The replica in the target's own region, by the same digest (deploy-target waited for it).
  const next = deriveTaskDefinition(base, input.target.container, imageIn(deployment.image, input.target.region).uri);
  checkImagePlatform(input.target, next, deployment.image);
  const tags = revisionTagsOf(live.tags, next, deployment, where);
  const registered = await awsCall(`ecs:RegisterTaskDefinition ${where}`, () =>
    ecs.send(new RegisterTaskDefinitionCommand({ ...(next as RegisterTaskDefinitionCommandInput), tags })),
  );
  const taskDefinitionArn = registered.taskDefinition?.taskDefinitionArn as string;
  logger.info('registered task definition revision', { where, taskDefinitionArn, previousTaskDefinitionArn });
  return { taskDefinitionArn, previousTaskDefinitionArn, reused: false, deploymentConfiguration };
}

/** The running revision's tags, then the template's, then crossdeploy's: cost allocation survives a deploy. */
function revisionTagsOf(
  liveTags: TagLike[] | undefined,
  next: Record<string, unknown>,
  deployment: Pick<DeploymentSpec, 'commit' | 'deploymentId'>,
  where: string,
) {
  const templateTags = Array.isArray(next.tags) ? (next.tags as TagLike[]) : [];
  const merged = mergeRevisionTags(
    [...(liveTags ?? []), ...templateTags],
    revisionTags(deployment.commit, deployment.deploymentId),
  );
  if (merged.dropped.length > 0) {
    logger.warn(`a revision takes at most ${MAX_TAGS} tags: dropped some of the previous revision's`, {
      where,
      dropped: merged.dropped,
    });
  }
  return merged.tags;
}

async function describeTaskDefinition(ecs: EcsLike, taskDefinition: string, where: string) {
  const answer = await awsCall(`ecs:DescribeTaskDefinition ${where}`, () =>
    ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition, include: ['TAGS'] })),
  );
  return { taskDefinition: answer.taskDefinition as TaskDefinition, tags: answer.tags };
}

export const handler = lambdaStep('register-task-definition', targetDeployment, (input) => registerRevision(input));
