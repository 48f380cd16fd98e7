// A stack deployment's ledger record, as deploy-stack knows it at each phase. Pure: functions/record-stack-deployment.ts
// writes what this returns.

import { createHash } from 'node:crypto';
import { type StackDeployLedgerEntry, stackRevision } from '../contracts';
import { canonicalJson } from '../json';
import { failureText, type LedgerResult, ledgerKey, type StackLedgerRecord } from '../ledger';

const RESULT: Record<StackDeployLedgerEntry['phase'], LedgerResult> = {
  started: 'in-progress',
  succeeded: 'succeeded',
  failed: 'failed',
};

/** sha256 (hex) of the inputs' canonical JSON: the same inputs give the same hash, whatever their key order. */
export function inputsHash(inputs: Record<string, unknown>): string {
  return createHash('sha256').update(canonicalJson(inputs)).digest('hex');
}

/** The version a stack ran before, from the revision the change set recorded; null for a stack it created. */
export function previousVersionOf(previousRevision: string): string | null {
  try {
    return stackRevision.parse(JSON.parse(previousRevision)).template?.version ?? null;
  } catch {
    // The revision is opaque to everyone but rollback-stack: a shape this cannot read names no version.
    return null;
  }
}

/**
 * The whole record at one phase. Every phase writes all of it (the start is the execution's), so a write that was
 * lost is made good by the next one; a failure before the change set leaves what the stack ran before unknown.
 */
export function stackRecordOf(entry: StackDeployLedgerEntry, now: Date): StackLedgerRecord {
  const { deployment, target, changeSet } = entry;
  const previousRevision = changeSet?.revision.previous ?? null;
  return {
    target: ledgerKey(deployment.serviceName, deployment.environment, target),
    deploymentId: deployment.deploymentId,
    targetKind: 'cloudformation-stack',
    pipelineId: deployment.context.pipelineId,
    executionName: entry.executionName,
    kind: deployment.context.kind,
    serviceName: deployment.serviceName,
    environment: deployment.environment,
    account: target.account,
    region: target.region,
    stackName: target.stackName,
    stackId: changeSet?.stackId ?? null,
    template: { kind: deployment.template.kind, name: deployment.template.name },
    version: deployment.template.version,
    previousVersion: previousRevision === null ? null : previousVersionOf(previousRevision),
    previousRevision,
    inputsHash: inputsHash(deployment.inputs),
    commit: deployment.commit,
    startedAt: entry.startedAt,
    endedAt: entry.phase === 'started' ? null : now.toISOString(),
    result: RESULT[entry.phase],
    approver: deployment.context.approval?.approver ?? null,
    comment: deployment.context.approval?.comment ?? null,
    requestedBy: deployment.context.requestedBy,
    rollbackReason: failureText(entry.failure) ?? null,
  };
}
