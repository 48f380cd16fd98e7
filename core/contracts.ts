// The contracts between the deployment map, the workflows and their steps, each declared once: a zod schema
// that the steps parse their input with, and the TypeScript type inferred from it. Every value here crosses a
// Step Functions state boundary, so it stays plain JSON.

import { z } from 'zod';
import { bounded, innermostFailure } from './failure';
import { TEMPLATE_KINDS, TEMPLATE_NAME } from './templates/catalog';
import { VERSION_PATTERN } from './templates/version';

const accountId = z.string().regex(/^\d{12}$/);

/**
 * The kinds of target a deployment's waves can hold. Each kind has its own deploy and rollback workflows
 * (state-machines/deploy-environment.ts picks them); waves, tolerance, wave rollback, leases, approvals, ledger and
 * notices are the same for every kind.
 */
export const targetKind = z.enum(['ecs-service', 'cloudformation-stack']);
export type TargetKind = z.infer<typeof targetKind>;

/**
 * What a target ran before a deployment and runs after it. Opaque to the wave engine, which only hands `previous`
 * back to the kind's rollback workflow; for an ECS service both are task definition ARNs.
 */
export const revisionRef = z.object({ previous: z.string().min(1), current: z.string().min(1).optional() });
export type RevisionRef = z.infer<typeof revisionRef>;

/**
 * Where a wave's target is, which is all the wave engine reads of it: the rest belongs to the target's kind and
 * travels untouched to its workflows.
 */
export const waveTarget = z.looseObject({ account: accountId, region: z.string().min(1) });
export type WaveTarget = z.infer<typeof waveTarget>;

/** One ECS service in one account and region. */
export const targetRef = z.object({
  account: accountId,
  region: z.string().min(1),
  cluster: z.string().min(1),
  service: z.string().min(1),
});
export type TargetRef = z.infer<typeof targetRef>;

/** A target as the per-target workflow sees it: where, and which container's image to replace. */
export const deployTarget = targetRef.extend({ container: z.string().min(1) });
export type DeployTarget = z.infer<typeof deployTarget>;

/** An image pinned by digest, as the ledger remembers it. */
export const pinnedImage = z.object({
  /** `111111111111.dkr.ecr.us-east-1.amazonaws.com/web` */
  repositoryUri: z.string().min(1),
  /** `sha256:<64 hex>` */
  digest: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  /** `<repositoryUri>@<digest>` */
  uri: z.string().min(1),
});
export type PinnedImage = z.infer<typeof pinnedImage>;

/** The image every target of a deployment runs, pinned by digest, with what its image index says it runs on. */
export const imageRef = pinnedImage.extend({
  /** `os/architecture` of each manifest of the image index, e.g. `["linux/amd64", "linux/arm64"]`. */
  platforms: z.array(z.string().min(1)).min(1),
});
export type ImageRef = z.infer<typeof imageRef>;

export const orchestratorRef = z.object({ account: z.string(), region: z.string() });
export type OrchestratorRef = z.infer<typeof orchestratorRef>;

export const deployRole = z.object({ name: z.string().min(1), externalId: z.string().optional() });
export type DeployRole = z.infer<typeof deployRole>;

/** Loop budgets: how often and how many times a wait loop checks. Zero checks means "do not wait". */
export const checkLoop = z.object({ intervalSeconds: z.number().int().min(0), checks: z.number().int().min(0) });
export type CheckLoop = z.infer<typeof checkLoop>;

/** How ECR pull access is granted to target accounts, and where the image is pulled from. */
export const ecrAccess = z.object({
  repository: z.string().min(1),
  /** Grant by `aws:PrincipalOrgID` instead of listing accounts. */
  principalOrgId: z.string().optional(),
  /** Grant by `aws:PrincipalOrgPaths` (`o-…/r-…/ou-…/`) instead of listing accounts. */
  principalOrgPaths: z.array(z.string().min(1)).min(1).optional(),
  /** Every account the map deploys the repository's images to: the grant, when it lists accounts. */
  accounts: z.array(accountId),
  /** Every region those targets pull from: the repository's own region and its replicas'. */
  regions: z.array(z.string().min(1)).min(1),
  /** How long a target waits for the image's replica to reach its region. */
  replica: checkLoop,
});
export type EcrAccess = z.infer<typeof ecrAccess>;

export const healthChecks = z.object({ alarms: z.array(z.string()), probeUrl: z.string().optional() });
export type HealthChecks = z.infer<typeof healthChecks>;

/**
 * A deploy ships a new commit; a rollback redeploys an earlier image through the same waves and checks; a
 * provisioning brings an environment's own stack to the template version the map names.
 */
export const deploymentKind = z.enum(['deploy', 'rollback', 'provision']);
export type DeploymentKind = z.infer<typeof deploymentKind>;

/** Who let the deployment through the gate; null for environments without approval and skipped gates. */
export const approvalNote = z.object({ approver: z.string(), comment: z.string() });
export type ApprovalNote = z.infer<typeof approvalNote>;

/** What a deployment carries from its pipeline down to every target, so each ledger record can say it. */
export const deploymentContext = z.object({
  kind: deploymentKind,
  /** The pipeline execution's name. */
  pipelineId: z.string().min(1),
  approval: approvalNote.nullable(),
  /** Who asked for a rollback (`crossdeploy rollback`); null for deploys started by a push. */
  requestedBy: z.string().nullable(),
});
export type DeploymentContext = z.infer<typeof deploymentContext>;

/** One CloudFormation stack in one account and region. */
export const stackTarget = z.object({
  account: accountId,
  region: z.string().min(1),
  /** https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html: 128 characters. */
  stackName: z.string().regex(/^[A-Za-z][-A-Za-z0-9]{0,127}$/),
});
export type StackTarget = z.infer<typeof stackTarget>;

/** One published version of a platform team's template (aws/template-registry.ts keeps them). */
export const templateRef = z.object({
  kind: z.enum(TEMPLATE_KINDS),
  name: z.string().regex(TEMPLATE_NAME),
  version: z.string().regex(VERSION_PATTERN),
});
export type TemplateRef = z.infer<typeof templateRef>;

/**
 * An application stack's template: the file the map names in the service's repository, at one commit, as the
 * pipeline's packaging step stored it (aws/artifacts.ts). Its version is the commit.
 */
export const applicationTemplateRef = z.object({
  kind: z.literal('applications'),
  /** The service's name in the map. */
  name: z.string().min(1),
  version: z.string().regex(/^[0-9a-f]{40}$/),
});
export type ApplicationTemplateRef = z.infer<typeof applicationTemplateRef>;

/** What a stack is deployed from: a published template version, or an application's template at a commit. */
export const stackTemplateRef = z.union([templateRef, applicationTemplateRef]);
export type StackTemplateRef = z.infer<typeof stackTemplateRef>;

/**
 * A service's instance in a target: the stack of its service template (ECS service, task definition, target
 * group...), which a deploy creates when the target has no ECS service yet. The same for every target of the
 * environment; the image and the names the target gives it are added per target (core/stacks/service-instance.ts).
 */
export const serviceInstanceSpec = z.object({
  template: templateRef.extend({ kind: z.literal('services') }),
  /** The map's inputs, checked against the version's schema when the map was loaded. */
  inputs: z.record(z.string(), z.unknown()),
  stackName: stackTarget.shape.stackName,
  /** The environment's stack whose outputs feed it; null where the environment names no template. */
  environmentStack: z.string().min(1).nullable(),
  /** How often and how long the change set and the stack are checked. */
  rollout: checkLoop,
});
export type ServiceInstanceSpec = z.infer<typeof serviceInstanceSpec>;

/**
 * One service × one commit × one environment, as every target of it deploys it. The map gives all of it but the
 * image (built by the pipeline) and the context (the pipeline's own), which the pipeline adds before the
 * environment starts; from there it is passed down whole.
 */
export const deploymentSpec = z.object({
  deploymentId: z.string().min(1),
  serviceName: z.string().min(1),
  environment: z.string().min(1),
  commit: z.string().min(1),
  image: imageRef,
  orchestrator: orchestratorRef,
  deployRole,
  ecr: ecrAccess,
  /** A task definition template from the map (RegisterTaskDefinition input shape), used instead of the live one. */
  taskDefinitionTemplate: z.record(z.string(), z.unknown()).nullable(),
  /** What creates the service where a target has none: the map's service template; null without one. */
  serviceInstance: serviceInstanceSpec.nullable(),
  health: healthChecks,
  rollout: checkLoop,
  bake: checkLoop,
  /** Why and by whom: what the ledger records about the deployment. */
  context: deploymentContext,
});
export type DeploymentSpec = z.infer<typeof deploymentSpec>;

/** Input of one per-target deploy execution (`state-machines/deploy-target.asl.json`). */
export const targetDeployment = z.object({ deployment: deploymentSpec, target: deployTarget });
export type TargetDeployment = z.infer<typeof targetDeployment>;

const waveOf = <T extends z.ZodType>(target: T) =>
  z.object({
    maxConcurrency: z.number().int().min(1),
    failureTolerance: z.number().int().min(0),
    targets: z.array(target),
  });

export const wavePlan = waveOf(deployTarget);
export type WavePlan = z.infer<typeof wavePlan>;

/** One environment's deployment of one kind of target: the deployment every target gets, and the waves. */
const environmentOf = <K extends TargetKind, D extends z.ZodType, T extends z.ZodType>(
  kind: K,
  deployment: D,
  wave: z.ZodObject<{ maxConcurrency: z.ZodNumber; failureTolerance: z.ZodNumber; targets: z.ZodArray<T> }>,
) => z.object({ targetKind: z.literal(kind), deployment, waves: z.array(wave) });

/** What the map says of one environment's deployment, before the pipeline has an image and a context. */
export const environmentPlan = environmentOf(
  'ecs-service',
  deploymentSpec.omit({ image: true, context: true }),
  wavePlan,
);
export type EnvironmentPlan = z.infer<typeof environmentPlan>;

/** One environment's deployment with its waves' targets listed: what the map plans, before its waves are stored in S3. */
export const environmentRun = environmentOf('ecs-service', deploymentSpec, wavePlan);
export type EnvironmentRun = z.infer<typeof environmentRun>;

/**
 * One template version with its inputs, to every stack of one environment. The wave engine reads the same
 * identity fields as an ECS deployment's; `serviceName` names what the stacks are (the ledger's and the lease's
 * subject), `commit` what they are built from.
 */
export const stackDeploymentSpec = z.object({
  deploymentId: z.string().min(1),
  serviceName: z.string().min(1),
  environment: z.string().min(1),
  commit: z.string().min(1),
  orchestrator: orchestratorRef,
  deployRole,
  template: stackTemplateRef,
  /**
   * The map's inputs: checked against the version's schema when the map was loaded, or an application stack's
   * parameters.
   */
  inputs: z.record(z.string(), z.unknown()),
  /** For a service instance or an application stack: the environment's stack, in the same account and region, whose outputs it takes. */
  environmentStack: z.string().min(1).nullable(),
  /**
   * For a service instance: what the deployment itself gives the template, where it declares the parameter (the
   * image it deploys, the names the map gives its ECS service). Empty for an environment's stack.
   */
  deploymentParameters: z.record(z.string(), z.string()),
  health: healthChecks,
  /** How often and how long the change set and the stack are checked. */
  rollout: checkLoop,
  bake: checkLoop,
  context: deploymentContext,
});
export type StackDeploymentSpec = z.infer<typeof stackDeploymentSpec>;

/** Input of one per-stack deploy execution (`state-machines/deploy-stack.asl.json`). */
export const targetStackDeployment = z.object({ deployment: stackDeploymentSpec, target: stackTarget });
export type TargetStackDeployment = z.infer<typeof targetStackDeployment>;

export const stackWavePlan = waveOf(stackTarget);
export type StackWavePlan = z.infer<typeof stackWavePlan>;

/** What the map says of provisioning one environment's stacks, before the pipeline adds its context. */
export const stackEnvironmentPlan = environmentOf(
  'cloudformation-stack',
  stackDeploymentSpec.omit({ context: true }),
  stackWavePlan,
);
export type StackEnvironmentPlan = z.infer<typeof stackEnvironmentPlan>;

/** One environment's stack deployment with its waves' targets listed. */
export const stackEnvironmentRun = environmentOf('cloudformation-stack', stackDeploymentSpec, stackWavePlan);
export type StackEnvironmentRun = z.infer<typeof stackEnvironmentRun>;

/**
 * Where a wave's targets are kept in S3 while its environment deploys: the JSON array the wave's Distributed Map
 * reads (`targets`), and the folder its results, and the list of targets a failed wave puts back, are written to.
 */
export const waveStore = z.object({
  bucket: z.string().min(1),
  prefix: z.string().min(1),
  targets: z.string().min(1),
});
export type WaveStore = z.infer<typeof waveStore>;

/**
 * One wave as deploy-environment runs it: its targets in S3, so that no state of the workflow grows with them.
 * `regions` are the wave's regions, for tagging the image they now run.
 */
export const storedWave = z.object({
  maxConcurrency: z.number().int().min(1),
  failureTolerance: z.number().int().min(0),
  targetCount: z.number().int().min(0),
  regions: z.array(z.string().min(1)),
  store: waveStore,
});
export type StoredWave = z.infer<typeof storedWave>;

/** Input of one environment's deployment workflow (`state-machines/deploy-environment.asl.json`), of either kind. */
export interface StoredEnvironmentRun {
  targetKind: TargetKind;
  deployment: DeploymentSpec | StackDeploymentSpec;
  waves: StoredWave[];
}

/** One CloudFormation parameter, as CreateChangeSet takes it. */
const stackParameterValue = z.object({ ParameterKey: z.string().min(1), ParameterValue: z.string() });
export type StackParameterValue = z.infer<typeof stackParameterValue>;

export const stackParameter = z.union([
  stackParameterValue,
  /** A NoEcho parameter, whose value DescribeStacks masks: the stack keeps the value it has. */
  z.object({ ParameterKey: z.string().min(1), UsePreviousValue: z.literal(true) }),
]);
export type StackParameter = z.infer<typeof stackParameter>;

/**
 * What a stack ran before a deployment: the template version and the parameters, or nothing for a stack the
 * deployment created. The wave engine carries it as the opaque `revision.previous` (JSON text); only the stack
 * kind's rollback reads it.
 */
export const stackRevision = z.object({
  template: stackTemplateRef.nullable(),
  parameters: z.array(stackParameter),
});
export type StackRevision = z.infer<typeof stackRevision>;

export const failureCheck = z.enum([
  'rollout',
  'circuit-breaker',
  'alarm',
  'steady-state',
  'probe',
  'wave',
  'timeout',
  'aborted',
]);

/**
 * What a failed check saw, in words an operator can act on: the alarm name, ECS event message or probe status is
 * the evidence. A step that could not run hands its Catch output over whole as `failure` (a Lambda's Cause is JSON
 * with a stack trace): it is read here, once, into the evidence in plain words.
 */
export const failureEvidence = z
  .object({
    check: failureCheck,
    evidence: z.string(),
    failure: z.looseObject({ Error: z.string().nullish(), Cause: z.string().nullish() }).optional(),
  })
  .transform(({ check, evidence, failure }) => {
    if (!failure) return { check, evidence };
    const { error, cause } = innermostFailure(failure.Error, failure.Cause);
    const why = [error, cause].filter(Boolean).join(': ');
    return { check, evidence: why ? `${evidence} (${bounded(why, 1_024)})` : evidence };
  });
export type FailureEvidence = z.output<typeof failureEvidence>;

/**
 * What a Catch puts at its ResultPath: the error's name and its cause, the cause often a nested execution's or a
 * Lambda's JSON (core/failure.ts reads it).
 */
export const caughtFailure = z.looseObject({ Error: z.string().optional(), Cause: z.string().optional() });
export type CaughtFailure = z.infer<typeof caughtFailure>;

/** Input of one rollback execution (`state-machines/rollback-target.asl.json`). */
export const targetRollback = z.object({
  deploymentId: z.string().min(1),
  serviceName: z.string().min(1),
  environment: z.string().min(1),
  target: deployTarget,
  deployRole,
  /** The revision to put back is `previous`: the task definition the service ran before the deployment. */
  revision: revisionRef,
  rollout: checkLoop,
  /** Why the rollback happens, carried into the failure cause. */
  reason: failureEvidence,
  /** The service's deployment configuration before the deployment, put back once the rollback has settled. */
  deploymentConfiguration: z.record(z.string(), z.unknown()).optional(),
});
export type TargetRollback = z.input<typeof targetRollback>;

/**
 * What deploy-stack tells the ledger at each phase of one stack's deployment (functions/record-stack-deployment.ts):
 * the whole deployment, so that any one write makes a whole record.
 */
export const stackDeployLedgerEntry = z.object({
  phase: z.enum(['started', 'succeeded', 'failed']),
  deployment: stackDeploymentSpec,
  target: stackTarget,
  /** The per-stack execution's name and start: the record's `startedAt` whichever phase writes it first. */
  executionName: z.string().min(1),
  startedAt: z.string().min(1),
  /** The change set, once CloudFormation took it: the stack's id and what the stack ran before (JSON text). */
  changeSet: z
    .looseObject({
      stackId: z.string().min(1),
      revision: z.object({ previous: z.string().min(1), current: z.string().min(1) }),
    })
    .optional(),
  /** A step's Catch output, for a deployment that failed. */
  failure: caughtFailure.optional(),
});
export type StackDeployLedgerEntry = z.infer<typeof stackDeployLedgerEntry>;

/** What rollback-stack tells the ledger of the deployment it undid (or could not undo). */
export const stackRollbackLedgerEntry = z.object({
  phase: z.enum(['rolled-back', 'rollback-failed']),
  deploymentId: z.string().min(1),
  serviceName: z.string().min(1),
  environment: z.string().min(1),
  target: stackTarget,
  reason: failureEvidence,
  failure: caughtFailure.optional(),
});
export type StackRollbackLedgerEntry = z.infer<typeof stackRollbackLedgerEntry>;

/** Where a target's rollout and bake stand; each step that waits or checks reads it and hands back the next. */
export const progress = z.looseObject({
  startedAt: z.string(),
  rolloutChecksLeft: z.number().int(),
  state: z.string(),
  summary: z.string(),
  failure: failureEvidence.optional(),
  /** The deployment UpdateService started in ECS: only its own events end the rollout's wait. */
  ecsDeploymentId: z.string().optional(),
  /** How long the rollout's wait lasts before a check of its own, if no event ended it (its HeartbeatSeconds). */
  checkInSeconds: z.number().int().min(1).optional(),
  /** The bake's whole length, what is left of it and how long its next wait lasts (its TimeoutSeconds). */
  bakeSeconds: z.number().int().min(0).optional(),
  bakeSecondsLeft: z.number().int().min(0).optional(),
  bakeWaitSeconds: z.number().int().min(1).optional(),
});
export type Progress = z.infer<typeof progress>;

export type RolloutState = 'IN_PROGRESS' | 'COMPLETED' | 'FAILED' | 'ROLLED_BACK_BY_ECS';

export interface RolloutVerdict {
  state: RolloutState;
  /** Present when state is FAILED or ROLLED_BACK_BY_ECS. */
  failure?: FailureEvidence;
  /** One line for the progress log. */
  summary: string;
}

export type HealthState = 'HEALTHY' | 'UNHEALTHY';

export interface HealthVerdict {
  state: HealthState;
  failure?: FailureEvidence;
  summary: string;
}

/** Result of one target's deploy as the wave sees it. */
export interface TargetOutcome {
  target: WaveTarget;
  succeeded: boolean;
  /**
   * What to put back when the wave fails: set for a target that deployed, and for one whose execution ended
   * unfinished (timed out, aborted) after it had started to change the target.
   */
  revision?: RevisionRef;
  error?: string;
  cause?: string;
}
