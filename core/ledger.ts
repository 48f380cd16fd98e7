// The deployment ledger: one record per target deployment, kept in DynamoDB beyond Step Functions' execution
// retention. The workflows write it; `status`, `rollback`, `abort` and the console read it.

import type { DeploymentKind, DeployTarget, FailureEvidence, PinnedImage } from './contracts';

export type LedgerResult = 'in-progress' | 'succeeded' | 'failed' | 'rolled-back' | 'rollback-failed';

export interface LedgerRecord {
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
  cluster: string;
  service: string;
  commit: string;
  imageDigest: string;
  imageUri: string;
  /** The revision crossdeploy registered and put in service. */
  taskDefinitionArn: string | null;
  /** The revision the service ran before: where a rollback goes. */
  previousTaskDefinitionArn: string | null;
  startedAt: string;
  endedAt: string | null;
  result: LedgerResult;
  approver: string | null;
  comment: string | null;
  requestedBy: string | null;
  /** Why the target was rolled back or failed, in the words of the check that saw it. */
  rollbackReason: string | null;
}

export function ledgerKey(serviceName: string, environment: string, target: Pick<DeployTarget, 'account' | 'region'>) {
  return `${serviceName}#${environment}#${target.account}#${target.region}`;
}

export function reasonText(reason: FailureEvidence): string {
  return `${reason.check}: ${reason.evidence}`;
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
