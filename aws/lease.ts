import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { conditionalWrite } from './conditional-write';
import { awsCall } from './transient';

/** Another deployment holds the lease; the workflow retries until it is released or expires. */
export class LeaseHeld extends Error {
  override name = 'LeaseHeld' as const;
}

export interface LeaseRequest {
  lease: string;
  holder: string;
  ttlSeconds: number;
}

export type DocumentClient = Pick<DynamoDBDocumentClient, 'send'>;

export const defaultDocumentClient = (region?: string): DocumentClient =>
  DynamoDBDocumentClient.from(new DynamoDBClient(region === undefined ? {} : { region }), {
    marshallOptions: { removeUndefinedValues: true },
  });

/**
 * Takes the lease of one service × environment. A holder may take its own lease again (a retried step), and
 * an expired lease is free: a deployment that was aborted or lost never blocks the next one for longer
 * than its time to live.
 */
export async function acquireLease(table: string, request: LeaseRequest, db: DocumentClient, now: Date): Promise<void> {
  const nowSeconds = Math.floor(now.getTime() / 1000);
  try {
    await awsCall(`dynamodb:PutItem ${table}`, () =>
      db.send(
        new PutCommand({
          TableName: table,
          Item: {
            lease: request.lease,
            holder: request.holder,
            acquiredAt: now.toISOString(),
            expiresAt: nowSeconds + request.ttlSeconds,
          },
          ConditionExpression: 'attribute_not_exists(lease) OR holder = :holder OR expiresAt < :now',
          ExpressionAttributeValues: { ':holder': request.holder, ':now': nowSeconds },
        }),
      ),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    const current = await db.send(new GetCommand({ TableName: table, Key: { lease: request.lease } }));
    const holder = (current.Item?.holder as string | undefined) ?? 'another deployment';
    throw new LeaseHeld(`${request.lease} is held by ${holder} since ${current.Item?.acquiredAt ?? 'unknown'}`);
  }
}

/** Gives the lease back; a lease already taken over (expired, then acquired by another) is left alone. */
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
