// The contracts of the path from a git push to production: events on the bus, the pipeline workflow's input,
// approvals. Everything here crosses EventBridge or Step Functions, so it stays plain JSON; what a step or a
// rule's target receives is a zod schema here, parsed where it arrives, with its type inferred from it.

import { z } from 'zod';
import type { BuildEnvironment } from './build-environment';
import {
  type DeploymentKind,
  environmentPlan,
  type ImageRef,
  type PinnedImage,
  type StackTemplateRef,
  stackEnvironmentPlan,
  storedWave,
  type TemplateRef,
} from './contracts';

/** `source` of every event crossdeploy puts on its bus. */
export const EVENT_SOURCE = 'crossdeploy';

export const DETAIL_TYPE = {
  push: 'Push',
  approvalDecision: 'Approval Decision',
  deploymentStarted: 'Deployment Started',
  deploymentSucceeded: 'Deployment Succeeded',
  deploymentFailed: 'Deployment Failed',
  deploymentRolledBack: 'Deployment Rolled Back',
  approvalWaiting: 'Approval Waiting',
} as const;

/** A push to a branch, normalized from GitHub's webhook or CodeCommit's state-change event. */
export const pushEvent = z.object({
  /** Which repository, in the map's words: `{ github: "acme/web" }` or `{ codecommit: "web" }`. */
  source: z.union([z.object({ github: z.string().min(1) }), z.object({ codecommit: z.string().min(1) })]),
  branch: z.string().min(1),
  /** 40 hex characters. */
  commit: z.string().regex(/^[0-9a-f]{40}$/),
  author: z.string(),
  message: z.string(),
  /** Every path added, modified or removed by the pushed commits; empty when the source does not say. */
  changedPaths: z.array(z.string()),
  /** GitHub's `X-GitHub-Delivery`, when the push came through the webhook. */
  deliveryId: z.string().optional(),
});
export type PushEvent = z.infer<typeof pushEvent>;

const stageGates = {
  environment: z.string().min(1),
  approval: z.object({ topic: z.string().min(1), timeoutSeconds: z.number().int().positive() }).nullable(),
  concurrency: z.enum(['superseded', 'queued']),
};

/** One environment of a pipeline: its approval gate (if any) and its deployment plan, image still unknown. */
export const pipelineStage = z.object({ ...stageGates, plan: environmentPlan });
export type PipelineStage = z.infer<typeof pipelineStage>;

/** The one environment of a provisioning: the same gates, and the plan of the environment's own stacks. */
export const provisionStage = z.object({ ...stageGates, plan: stackEnvironmentPlan });
export type ProvisionStage = z.infer<typeof provisionStage>;

/**
 * What a started pipeline's input says of an environment: its gates only. Its plan is the map's, which "Check the
 * request against the map" plans and stores, so no pipeline input grows with the targets (StartExecution takes
 * 256 KiB, https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html).
 */
export type StageRequest = Pick<PipelineStage, keyof typeof stageGates>;

/** The fields of a StageRequest: all a started pipeline's stage may have. */
export const STAGE_GATE_FIELDS: readonly string[] = Object.keys(stageGates);

/**
 * An environment as the pipeline runs it once checked: its gates, and the map's plan with each wave's targets in
 * S3 (core/contracts.ts storedWave), for any kind of target.
 */
export const checkedStage = z.object({
  ...stageGates,
  plan: z.discriminatedUnion('targetKind', [
    environmentPlan.extend({ waves: z.array(storedWave) }),
    stackEnvironmentPlan.extend({ waves: z.array(storedWave) }),
  ]),
});
export type CheckedStage = z.infer<typeof checkedStage>;

/** Input of one pipeline execution (`state-machines/pipeline.asl.json`): one service × one pushed commit. */
export interface PipelineInput {
  pipelineId: string;
  /** Present from a commit's second pipeline on its branch: which one this is (see core/push.ts executionName). */
  attempt?: number;
  /**
   * What asked for it: GitHub's delivery id, the EventBridge event id of a CodeCommit event, or a redeploy's own
   * id. A start whose name is taken by an execution of the same request is a duplicate, any other takes the
   * next attempt.
   */
  requestId?: string;
  /** `rollback` redeploys an image crossdeploy deployed before; it brings that image in `built`. */
  kind: Exclude<DeploymentKind, 'provision'>;
  /** Who asked for a rollback; null for a push. */
  requestedBy: string | null;
  /**
   * Present only on a rollback: the image to deploy, so nothing is built (the pipeline reads its platforms
   * from its image index before the first environment).
   */
  built?: { image: PinnedImage };
  serviceName: string;
  branch: string;
  commit: string;
  author: string;
  message: string;
  repository: string;
  orchestrator: { account: string; region: string };
  /**
   * The unit-test command the map runs before the build; `''` when the map has none. Never null: the pipeline
   * hands it to CodeBuild as an environment variable, and CodeBuild rejects a null value.
   */
  test: string;
  /**
   * What CodeBuild checks out (`SourceTypeOverride`, `SourceLocationOverride` of the build): the service's
   * repository, at `commit`. GitHub: `https://github.com/<owner>/<repo>.git`; CodeCommit:
   * `https://git-codecommit.<orchestrator region>.amazonaws.com/v1/repos/<name>`.
   */
  source: BuildSource;
  /** The CodeBuild environment and platforms of the service's build (core/build-environment.ts). */
  build: BuildEnvironment;
  stages: PipelineStage[];
}

/**
 * Input of a provisioning pipeline (`crossdeploy env deploy`): one environment's own stack, from the template
 * version the map names, through the environment's approval gate, lease and waves. Nothing is built.
 */
export interface ProvisionInput {
  pipelineId: string;
  /** Tells this request from another of the same version; the deployment's id is derived from it. */
  requestId: string;
  kind: 'provision';
  requestedBy: string;
  /** What the lease and the ledger call the environment's stack (core/map/stack-plan.ts). */
  serviceName: string;
  /** The published version's content hash (its first 40 hex digits): what ships, as a commit would say it. */
  commit: string;
  author: string;
  message: string;
  orchestrator: { account: string; region: string };
  template: TemplateRef;
  stages: ProvisionStage[];
}

/** One environment of an application stack's pipeline: the same gates, and the plan of its stacks. */
export type ApplicationStage = ProvisionStage;

/**
 * Input of an application stack's pipeline (`kind: stack` in the map): one pushed commit, whose template the
 * packaging build stores, then each environment of the branch in order, like a service's deploy.
 */
export interface ApplicationInput
  extends Omit<PipelineInput, 'kind' | 'requestedBy' | 'built' | 'repository' | 'stages'> {
  kind: 'deploy';
  requestedBy: null;
  /** What the packaging build stores: the template's path in the repository. */
  package: { template: string };
  stages: ApplicationStage[];
}

/** A pipeline as the map plans it: every stage with its targets listed. */
export type PipelineRun = PipelineInput | ProvisionInput | ApplicationInput;

/** A planned pipeline as the pipeline workflow is started with it: each stage as its gates. */
export type StartedRun<R extends PipelineRun = PipelineRun> = R extends PipelineRun
  ? Omit<R, 'stages'> & { stages: StageRequest[] }
  : never;

/** The input StartExecution gets for a planned pipeline. */
export function startedRun<R extends PipelineRun>(run: R): StartedRun<R> {
  return { ...run, stages: run.stages.map(gatesOf) } as unknown as StartedRun<R>;
}

export function gatesOf({ environment, approval, concurrency }: StageRequest): StageRequest {
  return { environment, approval, concurrency };
}

/** A CodeBuild source: the type and location `codebuild:startBuild` takes as overrides. */
export interface BuildSource {
  type: 'GITHUB' | 'CODECOMMIT';
  location: string;
}

/** What an approver decides from: everything about to ship, and where. */
export interface ApprovalRequest {
  approvalId: string;
  pipelineId: string;
  serviceName: string;
  environment: string;
  commit: string;
  author: string;
  message: string;
  /** The image a deploy or rollback ships; null for a provisioning, which ships `template`. */
  image: ImageRef | null;
  /** What a provisioning or an application stack ships. */
  template: StackTemplateRef | null;
  /**
   * Each target (`cluster/service`, or `stack <name>`) and what it runs now: its task definition, or its
   * stack's template version.
   */
  targets: { account: string; region: string; what: string; runs: string }[];
  /**
   * Where every target's line is, when the approvals table keeps only the first ones of a large environment
   * (aws/approval-targets.ts); absent when `targets` lists them all.
   */
  targetsAt?: { bucket: string; key: string };
  /**
   * `ledger` when what each target runs was read from crossdeploy's ledger (what it last deployed there), not live
   * from each target: an environment of more targets than the gate reads live (aws/approval-targets.ts).
   */
  runsFrom?: 'ledger';
  expiresAt: string;
}

export type Decision = 'approve' | 'reject';

/** Put on the bus when an approver decides; a rule hands it to the step that resumes the workflow. */
export interface ApprovalDecision {
  approvalId: string;
  decision: Decision;
  approver: string;
  comment: string;
  decidedAt: string;
}
