// The deployment ledger: one record per target deployment, kept in DynamoDB beyond Step Functions' execution
// retention. The workflows write it; `status`, `rollback`, `abort` and the console read it. ECS services and
// CloudFormation stacks share the table and its key; `targetKind` tells their records apart, so a reader of
// one kind never takes the other's record for its own.

import type {
  CaughtFailure,
  DeploymentKind,
  DeployTarget,
  FailureEvidence,
  PinnedImage,
  RevisionRef,
  StackTemplateRef,
} from './contracts';
import { innermostFailure } from './failure';

export type LedgerResult = 'in-progress' | 'succeeded' | 'failed' | 'rolled-back' | 'rollback-failed';

/** What every record says, whatever kind of target it deployed. */
export interface RecordBase {
  /** Partition key: `<service>#<environment>#<account>#<region>`. */
  target: string;
  /** Sort key. */
  deploymentId: string;
  pipelineId: string;
  /** The per-target execution's name (`<deploymentId>-<account>-<region>`). */
  executionName: string;
  kind: DeploymentKind;
  serviceName: string;
  environment: string;
  account: string;
  region: string;
  /** What was deployed from: the service's commit, or the templates' (a label for an environment's stacks). */
  commit: string;
  startedAt: string;
  endedAt: string | null;
  result: LedgerResult;
  approver: string | null;
  comment: string | null;
  requestedBy: string | null;
  /** Why the target was rolled back or failed, in the words of the check that saw it. */
  rollbackReason: string | null;
}

/** One ECS service deployment. Records written before stacks were recorded have no `targetKind`. */
export interface LedgerRecord extends RecordBase {
  targetKind?: 'ecs-service';
  cluster: string;
  service: string;
  imageDigest: string;
  imageUri: string;
  /** The revision crossdeploy registered and put in service. */
  taskDefinitionArn: string | null;
  /** The revision the service ran before: where a rollback goes. */
  previousTaskDefinitionArn: string | null;
}

/** One template version deployed to one CloudFormation stack. */
export interface StackLedgerRecord extends RecordBase {
  targetKind: 'cloudformation-stack';
  stackName: string;
  /** Known once the change set exists (CloudFormation gives a new stack its id with it). */
  stackId: string | null;
  template: Pick<StackTemplateRef, 'kind' | 'name'>;
  /** A published template's version, or an application stack's commit. */
  version: string;
  /** The version the stack ran before; null for a stack the deployment created, or before the change set. */
  previousVersion: string | null;
  /**
   * What the stack ran before, as rollback-stack reads it (JSON text of a StackRevision); null before the change
   * set was created, when nothing had changed.
   */
  previousRevision: string | null;
  /** sha256 (hex) of the inputs' canonical JSON: the same version with other inputs is another deployment. */
  inputsHash: string;
}

/** Any record of the table, as DynamoDB hands it back. */
export type AnyLedgerRecord = LedgerRecord | StackLedgerRecord;

export function isStackRecord(record: AnyLedgerRecord): record is StackLedgerRecord {
  return record.targetKind === 'cloudformation-stack';
}

export function isServiceRecord(record: AnyLedgerRecord): record is LedgerRecord {
  return record.targetKind === undefined || record.targetKind === 'ecs-service';
}

export function ledgerKey(serviceName: string, environment: string, target: Pick<DeployTarget, 'account' | 'region'>) {
  return `${serviceName}#${environment}#${target.account}#${target.region}`;
}

export function reasonText(reason: FailureEvidence): string {
  return `${reason.check}: ${reason.evidence}`;
}

/** A step's Catch output in plain words: a Lambda's Cause is JSON with a stack trace, a nested one deeper still. */
export function failureText(failure: CaughtFailure | undefined): string | undefined {
  if (!failure) return undefined;
  const { error, cause } = innermostFailure(failure.Error, failure.Cause);
  return `${error ?? 'Error'}: ${cause ?? ''}`.trim();
}

/** What a rollback workflow sets on the record of the deployment it undoes; the rest stays as the deploy wrote it. */
export function rollbackClosing(
  rollback: { phase: 'rolled-back' | 'rollback-failed'; reason: FailureEvidence; failure?: CaughtFailure | undefined },
  now: Date,
): Pick<AnyLedgerRecord, 'result' | 'endedAt' | 'rollbackReason'> {
  const failed = failureText(rollback.failure);
  return {
    result: rollback.phase,
    endedAt: now.toISOString(),
    rollbackReason: failed
      ? `${reasonText(rollback.reason)}; the rollback failed: ${failed}`
      : reasonText(rollback.reason),
  };
}

/**
 * What a wave puts back for a target whose execution ended unfinished (timed out, stopped): only a deployment the
 * ledger still has in progress, and only once it knew what ran before (and so may have started to change it).
 */
export function revisionToPutBack(record: AnyLedgerRecord | undefined): RevisionRef | undefined {
  if (record?.result !== 'in-progress') return undefined;
  if (isStackRecord(record)) {
    return record.previousRevision === null
      ? undefined
      : { previous: record.previousRevision, current: record.version };
  }
  if (!record.previousTaskDefinitionArn) return undefined;
  return {
    previous: record.previousTaskDefinitionArn,
    ...(record.taskDefinitionArn ? { current: record.taskDefinitionArn } : {}),
  };
}

/** The record that says what a target runs: its newest succeeded deploy or rollback. */
export function currentRecord(recordsNewestFirst: LedgerRecord[]): LedgerRecord | undefined {
  return recordsNewestFirst.find((r) => r.result === 'succeeded');
}

/** What `crossdeploy rollback` goes back to, or why the ledger cannot say. */
export type RollbackChoice =
  | { commit: string; image: PinnedImage }
  | { problem: 'none' }
  | { problem: 'ambiguous'; commits: string[] };

/**
 * The image a rollback goes back to: the named commit's (a prefix of it naming exactly one), or else the newest
 * one that succeeded with another image than the newest success.
 */
export function rollbackImage(recordsNewestFirst: LedgerRecord[], toCommit?: string): RollbackChoice {
  const succeeded = recordsNewestFirst.filter((r) => r.result === 'succeeded');
  const candidates = toCommit
    ? succeeded.filter((r) => r.commit.startsWith(toCommit.toLowerCase()))
    : succeeded.filter((r) => r.imageDigest !== succeeded[0]?.imageDigest);
  const commits = [...new Set(candidates.map((r) => r.commit))];
  if (toCommit && commits.length > 1) return { problem: 'ambiguous', commits };
  const chosen = candidates[0];
  if (!chosen) return { problem: 'none' };
  return {
    commit: chosen.commit,
    image: { repositoryUri: chosen.imageUri.split('@')[0] ?? '', digest: chosen.imageDigest, uri: chosen.imageUri },
  };
}
