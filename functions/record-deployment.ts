import { z } from 'zod';
import { type DocumentClient, defaultDocumentClient } from '../aws/lease';
import { type LedgerWrite, writeLedger } from '../aws/ledger';
import { settings } from '../aws/settings';
import { type LedgerResult, ledgerKey, reasonText } from '../core/ledger';
import { lambdaStep } from './lib/lambda-step';
import { logger } from './lib/powertools';
import { deploymentContext, deployTarget, failureEvidence, imageRef } from './lib/schemas';

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
  failure: z.looseObject({ Error: z.string().optional(), Cause: z.string().optional() }).optional(),
});

/** What rollback-target knows: which deployment it undoes, why, and the revision it went back to. */
const rollbackPhase = z.object({
  ...identity,
  phase: z.enum(['rolled-back', 'rollback-failed']),
  taskDefinitionArn: z.string().min(1),
  reason: failureEvidence,
  failure: z.looseObject({ Error: z.string().optional(), Cause: z.string().optional() }).optional(),
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

/**
 * The ledger write of one phase of one target's deployment. Every write carries all the workflow knows at
 * that point, so a write that was lost is made good by the next one.
 */
export function ledgerWriteOf(entry: LedgerEntry, now: Date): LedgerWrite {
  const { target } = entry;
  const write: LedgerWrite = {
    target: ledgerKey(entry.serviceName, entry.environment, target),
    deploymentId: entry.deploymentId,
    serviceName: entry.serviceName,
    environment: entry.environment,
    account: target.account,
    region: target.region,
    cluster: target.cluster,
    service: target.service,
    result: RESULT[entry.phase],
    endedAt: entry.phase === 'started' ? null : now.toISOString(),
  };
  const failed = entry.failure ? `${entry.failure.Error ?? 'Error'}: ${entry.failure.Cause ?? ''}`.trim() : undefined;
  if ('reason' in entry) {
    return {
      ...write,
      rollbackReason: failed ? `${reasonText(entry.reason)}; the rollback failed: ${failed}` : reasonText(entry.reason),
    };
  }
  return {
    ...write,
    startedAt: entry.startedAt,
    executionName: entry.executionName,
    pipelineId: entry.context.pipelineId,
    kind: entry.context.kind,
    commit: entry.commit,
    imageDigest: entry.image.digest,
    imageUri: entry.image.uri,
    approver: entry.context.approval?.approver ?? null,
    comment: entry.context.approval?.comment ?? null,
    requestedBy: entry.context.requestedBy,
    ...(entry.revision
      ? {
          taskDefinitionArn: entry.revision.taskDefinitionArn,
          previousTaskDefinitionArn: entry.revision.previousTaskDefinitionArn ?? null,
        }
      : { taskDefinitionArn: null, previousTaskDefinitionArn: null }),
    ...(failed ? { rollbackReason: failed } : {}),
  };
}

export async function recordDeployment(
  entry: LedgerEntry,
  db: DocumentClient = defaultDocumentClient(),
  now: () => Date = () => new Date(),
): Promise<{ recorded: LedgerResult }> {
  const write = ledgerWriteOf(entry, now());
  await writeLedger(settings.ledgerTable(), write, db);
  logger.info('deployment recorded in the ledger', {
    target: write.target,
    deploymentId: write.deploymentId,
    result: write.result,
  });
  return { recorded: RESULT[entry.phase] };
}

export const handler = lambdaStep('record-deployment', input, (entry) => recordDeployment(entry));
