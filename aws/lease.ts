import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { conditionalWrite } from './conditional-write';
import { awsCall } from './transient';

/** Another deployment holds the lease and still runs; the workflow waits and tries again. */
export class LeaseHeld extends Error {
  override name = 'LeaseHeld' as const;
}

export interface LeaseRequest {
  lease: string;
  /** The pipeline execution's name. */
  holder: string;
}

/**
 * Whether the holder of a lease (a pipeline execution, by name) still runs. A lease has no time to live: a
 * deployment keeps its lease for as long as it runs, however long its waves and bakes take, and the lease of one
 * that ended without giving it back (stopped, crashed, timed out) is free.
 */
export type HolderRunning = (holder: string) => Promise<boolean>;

export type DocumentClient = Pick<DynamoDBDocumentClient, 'send'>;

export const defaultDocumentClient = (region?: string): DocumentClient =>
  DynamoDBDocumentClient.from(new DynamoDBClient(region === undefined ? {} : { region }), {
    marshallOptions: { removeUndefinedValues: true },
  });

/**
 * Takes the lease of one service × environment. A holder may take its own lease again (a retried step); the lease
 * of a holder that no longer runs is taken over, and says whose it was.
 */
export async function acquireLease(
  table: string,
  request: LeaseRequest,
  db: DocumentClient,
  now: Date,
  stillRunning: HolderRunning,
): Promise<{ tookOverFrom: string | null }> {
  const item = { lease: request.lease, holder: request.holder, acquiredAt: now.toISOString() };
  const put = (condition: string, values: Record<string, string>) =>
    conditionalWrite(`dynamodb:PutItem ${table}`, () =>
      db.send(
        new PutCommand({
          TableName: table,
          Item: item,
          ConditionExpression: condition,
          ExpressionAttributeValues: values,
        }),
      ),
    );
  if (await put('attribute_not_exists(lease) OR holder = :holder', { ':holder': request.holder })) {
    return { tookOverFrom: null };
  }
  const current = await awsCall(`dynamodb:GetItem ${table}`, () =>
    db.send(new GetCommand({ TableName: table, Key: { lease: request.lease }, ConsistentRead: true })),
  );
  const holder = current.Item?.holder as string | undefined;
  const since = (current.Item?.acquiredAt as string | undefined) ?? 'an unknown time';
  // Given back between the two calls: the workflow's next try takes it.
  if (holder === undefined) throw new LeaseHeld(`${request.lease} changed hands while being taken; trying again`);
  if (await stillRunning(holder)) {
    throw new LeaseHeld(`${request.lease} is held by ${holder} since ${since}, which is still running`);
  }
  // Only if nobody took it over first: two waiting deployments never both take the same stale lease.
  if (!(await put('holder = :stale', { ':stale': holder }))) {
    throw new LeaseHeld(`${request.lease} was taken over from ${holder}, which had ended, by another deployment`);
  }
  return { tookOverFrom: holder };
}

/** Gives the lease back; a lease already taken over (its holder had ended, then another took it) is left alone. */
export async function releaseLease(table: string, lease: string, holder: string, db: DocumentClient): Promise<boolean> {
  return conditionalWrite(`dynamodb:DeleteItem ${table}`, () =>
    db.send(
      new DeleteCommand({
        TableName: table,
        Key: { lease },
        ConditionExpression: 'holder = :holder',
        ExpressionAttributeValues: { ':holder': holder },
      }),
    ),
  );
}
