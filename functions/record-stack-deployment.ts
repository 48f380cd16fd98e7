// deploy-stack's and rollback-stack's ledger step: one record per stack and deployment, in the table and under the
// key that service deployments use, told apart from theirs by its targetKind.

import { z } from 'zod';
import type { DocumentClient } from '../aws/lease';
import { closeLedgerRecord, putLedgerRecord } from '../aws/ledger';
import { settings } from '../aws/settings';
import { stackDeployLedgerEntry, stackRollbackLedgerEntry } from '../core/contracts';
import { type LedgerResult, ledgerKey, rollbackClosing } from '../core/ledger';
import { stackRecordOf } from '../core/stacks/ledger';
import { sharedDocumentClient } from './lib/clients';
import { lambdaStep } from './lib/lambda-step';
import { logger } from './lib/powertools';

const input = z.discriminatedUnion('phase', [stackDeployLedgerEntry, stackRollbackLedgerEntry]);
export type StackLedgerEntry = z.infer<typeof input>;

export async function recordStackDeployment(
  entry: StackLedgerEntry,
  db: DocumentClient = sharedDocumentClient(),
  now: () => Date = () => new Date(),
): Promise<{ recorded: LedgerResult }> {
  const table = settings.ledgerTable();
  if ('reason' in entry) {
    const key = {
      target: ledgerKey(entry.serviceName, entry.environment, entry.target),
      deploymentId: entry.deploymentId,
    };
    const closing = rollbackClosing(entry, now());
    if (!(await closeLedgerRecord(table, key, closing, db))) {
      logger.warn('rolled back a stack deployment the ledger has no record of', { ...key, phase: entry.phase });
    } else {
      logger.info('stack rollback recorded in the ledger', { ...key, result: closing.result });
    }
    return { recorded: closing.result };
  }
  const record = stackRecordOf(entry, now());
  const key = { target: record.target, deploymentId: record.deploymentId };
  if (!(await putLedgerRecord(table, record, db))) {
    // An abort or a rollback has already closed this record; what the stopped deployment says comes too late.
    logger.warn('stack deployment record already closed; this phase is not recorded', { ...key, phase: entry.phase });
  } else {
    logger.info('stack deployment recorded in the ledger', { ...key, result: record.result, version: record.version });
  }
  return { recorded: record.result };
}

export const handler = lambdaStep('record-stack-deployment', input, (entry) => recordStackDeployment(entry));
