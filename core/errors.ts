// Every failure mode is its own Error subclass. The `name` is what the state machines match in
// Retry (transient) and Catch (terminal), so names are part of the public contract: never rename one.
// A class whose failure can end a workflow says what it means in plain words (`meaning`), under its name as a
// static `errorName` too: notices look the meaning up by the name alone, and a bundler may rename the class.

import type { FailureEvidence, TargetRef } from './contracts';
import { controllerFix, controllerProblem } from './deployment-controller';

/** Where a failure happened, in the order an operator looks for it. */
export function describeTarget(t: Partial<TargetRef>): string {
  const where = [t.account, t.region].filter(Boolean).join('/');
  const what = [t.cluster, t.service].filter(Boolean).join('/');
  return [where && `account/region ${where}`, what && `cluster/service ${what}`].filter(Boolean).join(', ');
}

/** Throttling, 5xx answers, lost policy-write races: retried by the workflows with backoff. */
export class TransientAwsError extends Error {
  static readonly errorName = 'TransientAwsError';
  static readonly meaning = 'AWS kept failing after every retry';
  override name = TransientAwsError.errorName;
}

/** The deploy role in a target account cannot be assumed: the account is not bootstrapped or the trust is wrong. */
export class RoleNotAssumable extends Error {
  static readonly errorName = 'RoleNotAssumable';
  static readonly meaning = 'The deploy role could not be assumed';
  override name = RoleNotAssumable.errorName;
  constructor(
    readonly account: string,
    readonly roleArn: string,
    options?: ErrorOptions,
  ) {
    super(
      `cannot assume ${roleArn} in account ${account}: ${reason(options?.cause)}. ` +
        'Bootstrap the account with the target-account stack and check the trust policy.',
      options,
    );
  }
}

/** The cluster or service the map names does not exist in the target. */
export class ServiceNotFound extends Error {
  static readonly errorName = 'ServiceNotFound';
  static readonly meaning = 'The ECS service does not exist';
  override name = ServiceNotFound.errorName;
  constructor(
    readonly target: TargetRef,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`service not found (${describeTarget(target)}): ${detail}`, options);
  }
}

/** The container the map names is not in the task definition, so there is no image to replace. */
export class ContainerNotFound extends Error {
  static readonly errorName = 'ContainerNotFound';
  static readonly meaning = 'The container is not in the task definition';
  override name = ContainerNotFound.errorName;
  constructor(
    readonly container: string,
    readonly taskDefinition: string,
    readonly available: string[],
  ) {
    super(
      `container "${container}" is not in task definition ${taskDefinition} (containers: ${available.join(', ') || 'none'})`,
    );
  }
}

/** The service is deployed by CodeDeploy or an external controller: UpdateService cannot give it a new revision. */
export class UnsupportedDeploymentController extends Error {
  static readonly errorName = 'UnsupportedDeploymentController';
  static readonly meaning = 'The service has a deployment controller crossdeploy cannot drive';
  override name = UnsupportedDeploymentController.errorName;
  constructor(
    readonly target: TargetRef,
    readonly controller: string,
  ) {
    super(`${describeTarget(target)}: ${controllerProblem(controller)}. ${capitalized(controllerFix(controller))}.`);
  }
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The deployment failed a check and the service was put back on the revision it ran before. */
export class DeploymentRolledBack extends Error {
  static readonly errorName = 'DeploymentRolledBack';
  static readonly meaning = 'Rolled back';
  override name = DeploymentRolledBack.errorName;
  constructor(
    readonly target: TargetRef,
    readonly failure: FailureEvidence,
    readonly restoredTaskDefinition: string,
  ) {
    super(
      `${describeTarget(target)}: ${failure.check} check failed (${failure.evidence}); ` +
        `rolled back to ${restoredTaskDefinition}`,
    );
  }
}

/** The image is not built for the platform the task definition runs on: its tasks would die with `exec format error`. */
export class ImagePlatformMismatch extends Error {
  override name = 'ImagePlatformMismatch' as const;
  constructor(
    readonly target: TargetRef,
    readonly taskPlatform: { cpuArchitecture: string; operatingSystemFamily: string; platform: string },
    readonly imagePlatforms: string[],
    readonly image: string,
  ) {
    super(
      `${describeTarget(target)}: the task definition runs on ${taskPlatform.operatingSystemFamily}/` +
        `${taskPlatform.cpuArchitecture}, but image ${image} is built for ${imagePlatforms.join(', ') || 'no known platform'} ` +
        `only; add ${taskPlatform.platform} to the service's platforms in the map (or set the task definition's ` +
        'runtimePlatform to what the image is built for)',
    );
  }
}

/** A step received input that does not match its contract: a bug or a hand-started execution with bad input. */
export class InvalidStepInput extends Error {
  static readonly errorName = 'InvalidStepInput';
  static readonly meaning = 'A step received input it does not accept';
  override name = InvalidStepInput.errorName;
}

function reason(cause: unknown): string {
  if (cause instanceof Error) return `${cause.name}: ${cause.message}`;
  return cause === undefined ? 'unknown reason' : String(cause);
}

/** The ECR repository the map names does not exist in the orchestrator account. */
export class RepositoryNotFound extends Error {
  static readonly errorName = 'RepositoryNotFound';
  static readonly meaning = 'The ECR repository does not exist';
  override name = RepositoryNotFound.errorName;
  constructor(
    readonly repository: string,
    readonly account: string,
    options?: ErrorOptions,
  ) {
    super(`ECR repository "${repository}" does not exist in account ${account}`, options);
  }
}

/** The repository policy holds crossdeploy's grant, yet another statement keeps the target account from pulling. */
export class EcrPullDenied extends Error {
  static readonly errorName = 'EcrPullDenied';
  static readonly meaning = 'The target account may not pull the image';
  override name = EcrPullDenied.errorName;
  constructor(
    readonly repository: string,
    readonly account: string,
  ) {
    super(
      `repository policy of "${repository}" grants account ${account} pull, but another statement denies it; ` +
        'remove or narrow that statement',
    );
  }
}

/**
 * The repository policy with crossdeploy's grant would exceed what SetRepositoryPolicy accepts: granting one
 * ARN per account stops scaling at a few hundred accounts, an organization grant does not.
 */
export class RepositoryPolicyTooLarge extends Error {
  override name = 'RepositoryPolicyTooLarge' as const;
  constructor(
    readonly repository: string,
    readonly where: string,
    readonly accounts: number,
    readonly length: number,
    readonly limit: number,
  ) {
    super(
      `the repository policy of "${repository}" in ${where} would be ${length} characters with a pull grant for ` +
        `${accounts} accounts; ECR accepts at most ${limit}. Set ecr.principalOrgId (or ecr.principalOrgPaths) ` +
        'in the map to grant by organization instead of account by account',
    );
  }
}

/** The image never reached the target's region: ECR did not replicate it there within the wait. */
export class ImageReplicaMissing extends Error {
  override name = 'ImageReplicaMissing' as const;
  constructor(
    readonly where: string,
    readonly repository: string,
    readonly digest: string,
    detail: string,
  ) {
    super(`image ${repository}@${digest} is not in the tools registry ${where}: ${detail}`);
  }
}

/** A pipeline input that the map would not have produced: changed stages, a skipped gate, a foreign image. */
export class InvalidPipelineRequest extends Error {
  override name = 'InvalidPipelineRequest' as const;
}

/** Where a stack is, in the words of a failure's cause. */
export function describeStack(t: { account: string; region: string; stackName: string }): string {
  return `account/region ${t.account}/${t.region}, stack ${t.stackName}`;
}

/**
 * CloudFormation could not apply the change set and rolled the stack back by itself: the stack runs what it ran
 * before (or, newly created, holds nothing). The evidence names the resource that failed and CloudFormation's reason.
 */
export class StackRolledBack extends Error {
  static readonly errorName = 'StackRolledBack';
  static readonly meaning = 'CloudFormation rolled the stack back';
  override name = StackRolledBack.errorName;
}

/** CloudFormation refused the change set (a template or parameter it cannot use): nothing changed in the target. */
export class ChangeSetFailed extends Error {
  static readonly errorName = 'ChangeSetFailed';
  static readonly meaning = 'CloudFormation refused the change set';
  override name = ChangeSetFailed.errorName;
}

/**
 * The stack is in a state no change set can fix (a creation that rolled back, a failed rollback): an operator
 * deletes it, or continues its rollback, first.
 */
export class StackNotDeployable extends Error {
  static readonly errorName = 'StackNotDeployable';
  static readonly meaning = 'The stack must be repaired before it can be deployed';
  override name = StackNotDeployable.errorName;
}

/** Another operation is running on the stack; retried by the workflows until it ends. */
export class StackBusy extends Error {
  static readonly errorName = 'StackBusy';
  override name = StackBusy.errorName;
}

/**
 * The stack cannot get its parameters: the environment's stack is missing or lacks an output, or an input names a
 * parameter the template does not have.
 */
export class StackParametersUnresolved extends Error {
  static readonly errorName = 'StackParametersUnresolved';
  static readonly meaning = "The stack's parameters could not be resolved";
  override name = StackParametersUnresolved.errorName;
}

/** The stack did not settle within the rollout's checks. */
export class StackTimedOut extends Error {
  static readonly errorName = 'StackTimedOut';
  static readonly meaning = 'The stack did not settle in time';
  override name = StackTimedOut.errorName;
}

/** The version asked for was never published (`crossdeploy template publish`): terminal, no retry publishes it. */
export class TemplateVersionNotPublished extends Error {
  static readonly errorName = 'TemplateVersionNotPublished';
  static readonly meaning = 'The template version is not published';
  override name = TemplateVersionNotPublished.errorName;
}

/**
 * An application stack's template is not where the pipeline's packaging step stores it: the build did not run for
 * that commit, or the file the map names is not in the repository. Terminal: no retry packages it.
 */
export class ApplicationTemplateNotPackaged extends Error {
  static readonly errorName = 'ApplicationTemplateNotPackaged';
  static readonly meaning = "The application stack's template was not packaged for this commit";
  override name = ApplicationTemplateNotPackaged.errorName;
}

/**
 * An application stack's template, as packaged for the commit, cannot take the map's parameters: it is not YAML or
 * JSON, or it does not declare a parameter the map gives. Terminal: the commit's template is what it is.
 */
export class ApplicationTemplateInvalid extends Error {
  static readonly errorName = 'ApplicationTemplateInvalid';
  static readonly meaning = "The application stack's template does not fit the map";
  override name = ApplicationTemplateInvalid.errorName;
}

/**
 * The target account has no stack execution role CloudFormation can act as (`<deployRole>-stacks`, which the
 * target-account bootstrap creates from `bootstrap.stackExecutionPolicyArns`). Terminal: no retry creates it.
 */
export class StackExecutionRoleMissing extends Error {
  static readonly errorName = 'StackExecutionRoleMissing';
  static readonly meaning = 'The target account has no stack execution role CloudFormation can act as';
  override name = StackExecutionRoleMissing.errorName;
}
