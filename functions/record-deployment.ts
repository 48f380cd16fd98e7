import { z } from 'zod';
import type { DocumentClient } from '../aws/lease';
import { closeLedgerRecord, putLedgerRecord } from '../aws/ledger';
import { settings } from '../aws/settings';
import { caughtFailure, deploymentContext, deployTarget, failureEvidence, imageRef } from '../core/contracts';
import { failureText, type LedgerRecord, type LedgerResult, ledgerKey, rollbackClosing } from '../core/ledger';
import { sharedDocumentClient } from './lib/clients';
import { lambdaStep } from './lib/lambda-step';
import { logger } from './lib/powertools';

const identity = {
  deploymentId: z.string().min(1),
  serviceName: z.string().min(1),
  environment: z.string().min(1),
  target: deployTarget,
};

/** What deploy-target knows: the whole deployment, and the revisions once the service was updated. */
const deployPhase = z.object({
  ...identity,
  phase: z.enum(['started', 'succeeded', 'failed']),
  executionName: z.string().min(1),
  startedAt: z.string().min(1),
  commit: z.string().min(1),
  image: imageRef,
  context: deploymentContext,
  revision: z
    .looseObject({ taskDefinitionArn: z.string().min(1), previousTaskDefinitionArn: z.string().nullish() })
    .optional(),
  /** A step's Catch output, for a deployment that failed before the service was touched. */
  failure: caughtFailure.optional(),
});

/** What rollback-target knows: which deployment it undoes, why, and the revision it went back to. */
const rollbackPhase = z.object({
  ...identity,
  phase: z.enum(['rolled-back', 'rollback-failed']),
  taskDefinitionArn: z.string().min(1),
  reason: failureEvidence,
  failure: caughtFailure.optional(),
});

const input = z.discriminatedUnion('phase', [deployPhase, rollbackPhase]);
export type LedgerEntry = z.infer<typeof input>;

const RESULT: Record<LedgerEntry['phase'], LedgerResult> = {
  started: 'in-progress',
  succeeded: 'succeeded',
  failed: 'failed',
  'rolled-back': 'rolled-back',
  'rollback-failed': 'rollback-failed',
};

type DeployEntry = z.infer<typeof deployPhase>;

function identityOf(entry: LedgerEntry) {
  const { target } = entry;
  return {
    target: ledgerKey(entry.serviceName, entry.environment, target),
    deploymentId: entry.deploymentId,
    serviceName: entry.serviceName,
    environment: entry.environment,
    account: target.account,
    region: target.region,
    cluster: target.cluster,
    service: target.service,
  };
}

/**
 * The whole record as deploy-target knows it at one phase. Every phase writes all of it (the start time is the
 * execution's), so a write that was lost is made good by the next one.
 */
export function deployRecordOf(entry: DeployEntry, now: Date): LedgerRecord {
  return {
    ...identityOf(entry),
    targetKind: 'ecs-service',
    pipelineId: entry.context.pipelineId,
    executionName: entry.executionName,
    kind: entry.context.kind,
    commit: entry.commit,
    imageDigest: entry.image.digest,
    imageUri: entry.image.uri,
    taskDefinitionArn: entry.revision?.taskDefinitionArn ?? null,
    previousTaskDefinitionArn: entry.revision?.previousTaskDefinitionArn ?? null,
    startedAt: entry.startedAt,
    endedAt: entry.phase === 'started' ? null : now.toISOString(),
    result: RESULT[entry.phase],
    approver: entry.context.approval?.approver ?? null,
    comment: entry.context.approval?.comment ?? null,
    requestedBy: entry.context.requestedBy,
    rollbackReason: failureText(entry.failure) ?? null,
  };
}

export async function recordDeployment(
  entry: LedgerEntry,
  db: DocumentClient = sharedDocumentClient(),
  now: () => Date = () => new Date(),
): Promise<{ recorded: LedgerResult }> {
  const table = settings.ledgerTable();
  const key = {
    target: ledgerKey(entry.serviceName, entry.environment, entry.target),
    deploymentId: entry.deploymentId,
  };
  if ('reason' in entry) {
    if (!(await closeLedgerRecord(table, key, rollbackClosing(entry, now()), db))) {
      logger.warn('rolled back a deployment the ledger has no record of', { ...key, phase: entry.phase });
    }
  } else if (!(await putLedgerRecord(table, deployRecordOf(entry, now()), db))) {
    // An abort or a rollback has already closed this record; what the stopped deployment says comes too late.
    logger.warn('deployment record already closed; this phase is not recorded', { ...key, phase: entry.phase });
    return { recorded: RESULT[entry.phase] };
  }
  logger.info('deployment recorded in the ledger', { ...key, result: RESULT[entry.phase] });
  return { recorded: RESULT[entry.phase] };
}

export const handler = lambdaStep('record-deployment', input, (entry) => recordDeployment(entry));
