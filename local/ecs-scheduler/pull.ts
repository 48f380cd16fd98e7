// Whether the tasks of a revision could pull their images, as ECS finds out when it starts them: the image
// must exist by its digest in the registry and region its URI names, and the task execution role must be
// allowed ecr:BatchGetImage and ecr:GetDownloadUrlForLayer on the repository
// (https://docs.aws.amazon.com/AmazonECR/latest/userguide/ECR_on_ECS.html). A pull from another account
// needs the repository policy to allow it too; moto stores that policy and never enforces it, so it is
// evaluated here with iam-simulate. A task that cannot pull stops with CannotPullContainerError
// (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_cannot_pull_image.html).

import { runSimulation } from '@cloud-copilot/iam-simulate';
import { type EcrImageRef, ecrImageOf } from '../../core/images';
import { arnIn, iamArnIn } from '../../core/partition';
import { LOCAL_PRINCIPAL_ORG_KEYS } from '../accounts';
import type { Where } from './faults';
import { type MotoApi, MotoError } from './moto-api';

/** What a task execution role must be allowed on the repository to pull an image from it. */
const PULL_ACTIONS = ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'];

/**
 * The execution role's own side of the pull: AmazonECSTaskExecutionRolePolicy allows these actions on any
 * resource (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html).
 */
const EXECUTION_ROLE_POLICY = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: PULL_ACTIONS, Resource: '*' }],
};

/** What the pull check reads of a task definition. */
export interface PullingRevision {
  executionRoleArn?: string;
  containerDefinitions?: { image?: string }[];
}

export class PullCheck {
  constructor(private readonly moto: MotoApi) {}

  /** ECS's stopped reason for the tasks of `revision` (in `where`), or undefined when they can pull. */
  async failureOf(where: Where, revision: PullingRevision): Promise<string | undefined> {
    for (const { image: uri } of revision.containerDefinitions ?? []) {
      // Images of other registries (public.ecr.aws, Docker Hub) are nobody's repository policy to enforce.
      const image = uri === undefined ? undefined : ecrImageOf(uri);
      if (!uri || !image) continue;
      const failure = await this.#failureOf(where, revision, uri, image);
      if (failure) return `CannotPullContainerError: ${failure}`;
    }
    return undefined;
  }

  async #failureOf(
    where: Where,
    revision: PullingRevision,
    uri: string,
    image: EcrImageRef,
  ): Promise<string | undefined> {
    const registry = { account: image.account, region: image.region };
    if (!(await this.#exists(registry, image))) {
      return `pull image manifest has been retried 5 time(s): failed to resolve ref ${uri}: not found`;
    }
    // A pull within the account needs no repository policy: the execution role's own policy suffices.
    if (image.account === where.account) return undefined;

    // Without an execution role, the container instance role pulls (EC2 launch type).
    const principal = revision.executionRoleArn ?? iamArnIn(where.region, where.account, 'role/ecsInstanceRole');
    const policy = await this.#repositoryPolicy(registry, image.repository);
    const repositoryArn = arnIn(image.region, 'ecr', image.account, `repository/${image.repository}`);
    for (const action of PULL_ACTIONS) {
      if (policy && (await allows(policy, { principal, account: where.account, action, repositoryArn }))) continue;
      return (
        `pull image manifest has been retried 5 time(s): failed to resolve ref ${uri}: 403 Forbidden: ` +
        `no statement of the repository policy allows ${principal} to perform ${action} on ${repositoryArn}`
      );
    }
    return undefined;
  }

  async #exists(registry: Where, image: EcrImageRef): Promise<boolean> {
    try {
      const { imageDetails } = await this.moto.ecr<{ imageDetails?: unknown[] }>(registry, 'DescribeImages', {
        repositoryName: image.repository,
        imageIds: [image.reference],
      });
      return (imageDetails ?? []).length > 0;
    } catch (error) {
      if (isEcrMissing(error)) return false;
      throw error;
    }
  }

  async #repositoryPolicy(registry: Where, repositoryName: string): Promise<string | undefined> {
    try {
      const { policyText } = await this.moto.ecr<{ policyText?: string }>(registry, 'GetRepositoryPolicy', {
        repositoryName,
      });
      return policyText;
    } catch (error) {
      if (isEcrMissing(error)) return undefined;
      throw error;
    }
  }
}

async function allows(
  policy: string,
  request: { principal: string; account: string; action: string; repositoryArn: string },
): Promise<boolean> {
  const result = await runSimulation(
    {
      request: {
        principal: request.principal,
        action: request.action,
        resource: { resource: request.repositoryArn, accountId: request.repositoryArn.split(':')[4] ?? '' },
        // The keys AWS sets from the caller on every request; iam-simulate leaves them to the caller.
        contextVariables: {
          'aws:PrincipalAccount': request.account,
          'aws:PrincipalArn': request.principal,
          ...LOCAL_PRINCIPAL_ORG_KEYS,
        },
      },
      identityPolicies: [{ name: 'AmazonECSTaskExecutionRolePolicy', policy: EXECUTION_ROLE_POLICY }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: JSON.parse(policy),
    },
    {},
  );
  // A policy iam-simulate cannot read would be refused by SetRepositoryPolicy: nothing pulls under it.
  return result.resultType !== 'error' && result.overallResult === 'Allowed';
}

function isEcrMissing(error: unknown): boolean {
  const missing = ['RepositoryNotFoundException', 'ImageNotFoundException', 'RepositoryPolicyNotFoundException'];
  return error instanceof MotoError && missing.includes(error.code ?? '');
}
