// The contracts between the deployment map, the workflows and their steps.
// Every value here crosses a Step Functions state boundary, so it stays plain JSON.

import type { DeploymentContext } from './ledger';

/** One ECS service in one account and region. */
export interface TargetRef {
  account: string;
  region: string;
  cluster: string;
  service: string;
}

/** A target as the per-target workflow sees it: where, and which container's image to replace. */
export interface DeployTarget extends TargetRef {
  container: string;
}

/** An image pinned by digest, as the ledger remembers it. */
export interface PinnedImage {
  /** `111111111111.dkr.ecr.us-east-1.amazonaws.com/web` */
  repositoryUri: string;
  /** `sha256:<64 hex>` */
  digest: string;
  /** `<repositoryUri>@<digest>` */
  uri: string;
}

/** The image every target of a deployment runs, pinned by digest, with what its image index says it runs on. */
export interface ImageRef extends PinnedImage {
  /** `os/architecture` of each manifest of the image index, e.g. `["linux/amd64", "linux/arm64"]`. */
  platforms: string[];
}

export interface OrchestratorRef {
  account: string;
  region: string;
}

export interface DeployRole {
  name: string;
  externalId?: string;
}

/** How ECR pull access is granted to target accounts, and where the image is pulled from. */
export interface EcrAccess {
  repository: string;
  /** Grant by `aws:PrincipalOrgID` instead of listing accounts. */
  principalOrgId?: string;
  /** Grant by `aws:PrincipalOrgPaths` (`o-…/r-…/ou-…/`) instead of listing accounts. */
  principalOrgPaths?: string[];
  /** Every account the map deploys the repository's images to: the grant, when it lists accounts. */
  accounts: string[];
  /** Every region those targets pull from: the repository's own region and its replicas'. */
  regions: string[];
  /** How long a target waits for the image's replica to reach its region. */
  replica: CheckLoop;
}

/** Loop budgets: how often and how many times a wait loop checks. Zero checks means "do not wait". */
export interface CheckLoop {
  intervalSeconds: number;
  checks: number;
}

export interface HealthChecks {
  alarms: string[];
  probeUrl?: string;
}

/** Input of one per-target deploy execution (`state-machines/deploy-target.asl.json`). */
export interface TargetDeployment {
  deploymentId: string;
  serviceName: string;
  environment: string;
  commit: string;
  image: ImageRef;
  orchestrator: OrchestratorRef;
  target: DeployTarget;
  deployRole: DeployRole;
  ecr: EcrAccess;
  /** A task definition template from the map (RegisterTaskDefinition input shape), used instead of the live one. */
  taskDefinitionTemplate: Record<string, unknown> | null;
  health: HealthChecks;
  rollout: CheckLoop;
  bake: CheckLoop;
  /** Why and by whom: what the ledger records about the deployment. */
  context: DeploymentContext;
}

/** Input of one rollback execution (`state-machines/rollback-target.asl.json`). */
export interface TargetRollback {
  deploymentId: string;
  serviceName: string;
  environment: string;
  target: DeployTarget;
  deployRole: DeployRole;
  /** The revision the service ran before the deployment. */
  taskDefinitionArn: string;
  rollout: CheckLoop;
  /** Why the rollback happens, carried into the failure cause. */
  reason: FailureEvidence;
  /** The service's deployment configuration before the deployment, put back once the rollback has settled. */
  deploymentConfiguration?: Record<string, unknown>;
}

/** What a failed check saw, in words an operator can act on. */
export interface FailureEvidence {
  check: 'rollout' | 'circuit-breaker' | 'alarm' | 'steady-state' | 'probe' | 'wave' | 'timeout' | 'aborted';
  /** Alarm name, ECS event message, probe status: the proof. */
  evidence: string;
}

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
  target: DeployTarget;
  succeeded: boolean;
  /**
   * The revision to put back when the wave fails: set for a target that deployed, and for one whose execution
   * ended unfinished (timed out, aborted) after it had started to update its service.
   */
  previousTaskDefinitionArn?: string;
  error?: string;
  cause?: string;
}
