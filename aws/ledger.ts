import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  type AnyLedgerRecord,
  isServiceRecord,
  isStackRecord,
  type LedgerRecord,
  ledgerKey,
  type StackLedgerRecord,
} from '../core/ledger';
import { environmentTargets } from '../core/map/plan';
import type { DeploymentMap } from '../core/map/schema';
import { conditionalWrite } from './conditional-write';
import type { DocumentClient } from './lease';
import { awsCall } from './transient';

/**
 * Marks a deployment's record rolled back (or its rollback failed), keeping everything deploy-target wrote.
 * A record that does not exist stays absent: the ledger holds whole records only. False then.
 */
export async function closeLedgerRecord(
  table: string,
  key: Pick<AnyLedgerRecord, 'target' | 'deploymentId'>,
  closing: Pick<AnyLedgerRecord, 'result' | 'endedAt' | 'rollbackReason'>,
  db: DocumentClient,
): Promise<boolean> {
  return conditionalWrite(`dynamodb:UpdateItem ${table}`, () =>
    db.send(
      new UpdateCommand({
        TableName: table,
        Key: key,
        UpdateExpression: 'SET #result = :result, endedAt = :endedAt, rollbackReason = :rollbackReason',
        ConditionExpression: 'attribute_exists(#target)',
        ExpressionAttributeNames: { '#target': 'target', '#result': 'result' },
        ExpressionAttributeValues: {
          ':result': closing.result,
          ':endedAt': closing.endedAt,
          ':rollbackReason': closing.rollbackReason,
        },
      }),
    ),
  );
}

/**
 * Writes a whole record, unless an abort or a rollback has closed it already: only a new record, one still in
 * progress, or one with the same result (a retried write) may be replaced. False when it was closed.
 */
export async function putLedgerRecord(table: string, record: AnyLedgerRecord, db: DocumentClient): Promise<boolean> {
  return conditionalWrite(`dynamodb:PutItem ${table}`, () =>
    db.send(
      new PutCommand({
        TableName: table,
        Item: record,
        ConditionExpression: 'attribute_not_exists(#target) OR #result IN (:inProgress, :result)',
        ExpressionAttributeNames: { '#target': 'target', '#result': 'result' },
        ExpressionAttributeValues: { ':inProgress': 'in-progress', ':result': record.result },
      }),
    ),
  );
}

/**
 * One target's ECS deployments, newest first. A stack record under the same key is left out, never read as a
 * service's (the newest `limit` records are read, then the stacks' dropped).
 */
export async function targetHistory(
  table: string,
  target: string,
  db: DocumentClient,
  limit = 50,
): Promise<LedgerRecord[]> {
  return (await history(table, target, db, limit)).filter(isServiceRecord);
}

/** One target's stack deployments, newest first; ECS records under the same key are left out. */
export async function stackHistory(
  table: string,
  target: string,
  db: DocumentClient,
  limit = 50,
): Promise<StackLedgerRecord[]> {
  return (await history(table, target, db, limit)).filter(isStackRecord);
}

async function history(table: string, target: string, db: DocumentClient, limit: number): Promise<AnyLedgerRecord[]> {
  const answer = await awsCall(`dynamodb:Query ${table}`, () =>
    db.send(
      new QueryCommand({
        TableName: table,
        IndexName: 'byStartedAt',
        KeyConditionExpression: '#target = :target',
        ExpressionAttributeNames: { '#target': 'target' },
        ExpressionAttributeValues: { ':target': target },
        ScanIndexForward: false,
        Limit: limit,
      }),
    ),
  );
  return (answer.Items ?? []) as AnyLedgerRecord[];
}

/** One target's record of one ECS deployment, read consistently: abort must see the write made just before. */
export async function ledgerRecord(
  table: string,
  target: string,
  deploymentId: string,
  db: DocumentClient,
): Promise<LedgerRecord | undefined> {
  const record = await anyLedgerRecord(table, target, deploymentId, db);
  return record && isServiceRecord(record) ? record : undefined;
}

/** One target's record of one deployment, whatever its kind, read consistently. */
export async function anyLedgerRecord(
  table: string,
  target: string,
  deploymentId: string,
  db: DocumentClient,
): Promise<AnyLedgerRecord | undefined> {
  const answer = await awsCall(`dynamodb:GetItem ${table}`, () =>
    db.send(new GetCommand({ TableName: table, Key: { target, deploymentId }, ConsistentRead: true })),
  );
  return answer.Item as AnyLedgerRecord | undefined;
}

/** Every ledger record of one service × environment, across its targets, newest first. */
export async function environmentLedger(
  map: DeploymentMap,
  serviceName: string,
  environment: string,
  table: string,
  db: DocumentClient,
): Promise<LedgerRecord[]> {
  const targets = environmentTargets(map, serviceName, environment);
  const histories = await Promise.all(
    targets.map((target) => targetHistory(table, ledgerKey(serviceName, environment, target), db)),
  );
  return histories.flat().sort((a, b) => b.startedAt.localeCompare(a.startedAt));
}
