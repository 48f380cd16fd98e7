import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { LedgerRecord } from '../core/ledger';
import type { DocumentClient } from './lease';
import { awsCall } from './transient';

/** The fields that identify a record; every write carries them, so any write may be the first. */
type Identity = Pick<
  LedgerRecord,
  'target' | 'deploymentId' | 'serviceName' | 'environment' | 'account' | 'region' | 'cluster' | 'service'
>;

export type LedgerWrite = Identity & Partial<Omit<LedgerRecord, keyof Identity>>;

/**
 * Upserts one record: sets the fields given and leaves the others as an earlier write left them. `startedAt`
 * is kept from the first write, so the record sorts by when the target's deployment began.
 */
export async function writeLedger(table: string, write: LedgerWrite, db: DocumentClient): Promise<void> {
  const { target, deploymentId, startedAt, ...fields } = write;
  const names: Record<string, string> = { '#startedAt': 'startedAt' };
  const values: Record<string, unknown> = { ':startedAt': startedAt ?? new Date().toISOString() };
  const sets = ['#startedAt = if_not_exists(#startedAt, :startedAt)'];
  for (const [field, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    names[`#${field}`] = field;
    values[`:${field}`] = value;
    sets.push(`#${field} = :${field}`);
  }
  await awsCall(`dynamodb:UpdateItem ${table}`, () =>
    db.send(
      new UpdateCommand({
        TableName: table,
        Key: { target, deploymentId },
        UpdateExpression: `SET ${sets.join(', ')}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    ),
  );
}

/**
 * Writes a whole record, unless an abort or a rollback has closed it already: only a new record, one still in
 * progress, or one with the same result (a retried write) may be replaced. False when it was closed.
 */
export async function putLedgerRecord(table: string, record: LedgerRecord, db: DocumentClient): Promise<boolean> {
  try {
    await awsCall(`dynamodb:PutItem ${table}`, () =>
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
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/** One target's deployments, newest first. */
export async function targetHistory(
  table: string,
  target: string,
  db: DocumentClient,
  limit = 50,
): Promise<LedgerRecord[]> {
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
  return (answer.Items ?? []) as LedgerRecord[];
}

/** One target's record of one deployment, read consistently: abort must see the write made just before. */
export async function ledgerRecord(
  table: string,
  target: string,
  deploymentId: string,
  db: DocumentClient,
): Promise<LedgerRecord | undefined> {
  const answer = await awsCall(`dynamodb:GetItem ${table}`, () =>
    db.send(new GetCommand({ TableName: table, Key: { target, deploymentId }, ConsistentRead: true })),
  );
  return answer.Item as LedgerRecord | undefined;
}
