// A workflow that waits with `.waitForTaskToken` parks its token in a DynamoDB table until something settles the
// wait (an approver, a newer request, an event). Each kind of wait keeps its own table, key and subject index.

import { SendTaskFailureCommand, SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { GetCommand, PutCommand, QueryCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { MAX_CAUSE_CHARS } from '../core/step-functions-limits';
import { conditionalWrite } from './conditional-write';
import type { DocumentClient } from './lease';
import { awsCall } from './transient';

/** Step Functions as far as handing a token back goes; SFNClient is one, and so is a test's recorder. */
export interface TaskTokenSfn {
  send(command: SendTaskSuccessCommand): Promise<unknown>;
  send(command: SendTaskFailureCommand): Promise<unknown>;
}

/** Where one kind of wait keeps its tokens. */
export interface TokenTable {
  name: string;
  /** The partition key: one item per wait. */
  key: string;
  /**
   * What finds the waits on one subject (one service × environment, say): an index and its partition key, or
   * without an index the table's own partition key, read consistently.
   */
  bySubject: { index?: string; attribute: string };
}

/** What every parked wait holds; the rest of the item is the caller's. */
export interface ParkedToken {
  taskToken: string;
  /** `pending` until the wait is taken, then whatever its taker made of it. */
  status: string;
}

/** Whether the waiting execution heard it; `gone` says why not when it no longer waits. */
export type Handover = { delivered: true } | { delivered: false; gone: Error };

/** Step Functions' answers for a token whose execution no longer waits: nothing left to tell it. */
const GONE_TOKEN_ERRORS = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

/** Stores a new wait; an item with the same key is never overwritten. */
export async function parkToken(db: DocumentClient, table: TokenTable, item: ParkedToken): Promise<void> {
  await awsCall(`dynamodb:PutItem ${table.name}`, () =>
    db.send(
      new PutCommand({
        TableName: table.name,
        Item: item,
        ConditionExpression: 'attribute_not_exists(#key)',
        ExpressionAttributeNames: { '#key': table.key },
      }),
    ),
  );
}

/** Every wait on `subject` still pending. */
export async function pendingTokens<T extends ParkedToken>(
  db: DocumentClient,
  table: TokenTable,
  subject: string,
): Promise<T[]> {
  const { index, attribute } = table.bySubject;
  return allPages<T>(`dynamodb:Query ${table.name}${index ? `/${index}` : ''}`, (start) =>
    db.send(
      new QueryCommand({
        TableName: table.name,
        ...(index ? { IndexName: index } : { ConsistentRead: true }),
        KeyConditionExpression: '#subject = :subject',
        FilterExpression: '#status = :pending',
        ExpressionAttributeNames: { '#subject': attribute, '#status': 'status' },
        ExpressionAttributeValues: { ':subject': subject, ':pending': 'pending' },
        ExclusiveStartKey: start,
      }),
    ),
  );
}

/** Every wait still pending, whatever its subject: a whole-table scan, for an operator's overview. */
export async function everyPendingToken<T extends ParkedToken>(db: DocumentClient, table: TokenTable): Promise<T[]> {
  return allPages<T>(`dynamodb:Scan ${table.name}`, (start) =>
    db.send(
      new ScanCommand({
        TableName: table.name,
        FilterExpression: '#status = :pending',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':pending': 'pending' },
        ExclusiveStartKey: start,
      }),
    ),
  );
}

type PageKey = Record<string, unknown> | undefined;

/** Every item of a Query or Scan, page after page: a filter applies per page, so any page may come back short. */
async function allPages<T>(
  what: string,
  page: (start: PageKey) => Promise<{ Items?: Record<string, unknown>[]; LastEvaluatedKey?: PageKey }>,
): Promise<T[]> {
  const found: T[] = [];
  let start: PageKey;
  do {
    const answer = await awsCall(what, () => page(start));
    found.push(...((answer.Items ?? []) as T[]));
    start = answer.LastEvaluatedKey;
  } while (start);
  return found;
}

/** One wait as it stands now (a consistent read), or undefined when there is none under `id`. */
export async function readToken<T extends ParkedToken>(
  db: DocumentClient,
  table: TokenTable,
  id: string,
): Promise<T | undefined> {
  const { Item } = await awsCall(`dynamodb:GetItem ${table.name}`, () =>
    db.send(new GetCommand({ TableName: table.name, Key: { [table.key]: id }, ConsistentRead: true })),
  );
  return Item as T | undefined;
}

/**
 * Takes a pending wait, once: its status becomes `status` and the attributes in `facts` are set. False when
 * someone took it first, so of two takers racing (a decision and a newer request) exactly one wins.
 */
export async function takeToken(
  db: DocumentClient,
  table: TokenTable,
  key: Record<string, string>,
  status: string,
  facts: Record<string, unknown>,
): Promise<boolean> {
  const fields = Object.entries(facts);
  const names = Object.fromEntries(fields.map(([name], i) => [`#f${i}`, name]));
  const values = Object.fromEntries(fields.map(([, value], i) => [`:f${i}`, value]));
  return conditionalWrite(`dynamodb:UpdateItem ${table.name}`, () =>
    db.send(
      new UpdateCommand({
        TableName: table.name,
        Key: key,
        UpdateExpression: `SET ${['#status = :taken', ...fields.map((_, i) => `#f${i} = :f${i}`)].join(', ')}`,
        ConditionExpression: '#status = :pending',
        ExpressionAttributeNames: { '#status': 'status', ...names },
        ExpressionAttributeValues: { ':taken': status, ':pending': 'pending', ...values },
      }),
    ),
  );
}

/** Resumes the waiting execution with `output` as its task's result. */
export async function sendSuccess(sfn: TaskTokenSfn, taskToken: string, output: unknown): Promise<Handover> {
  return handOver(() =>
    awsCall('states:SendTaskSuccess', () =>
      sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) })),
    ),
  );
}

/** Fails the waiting task with `error` (what the workflow's Catch matches) and `cause`. */
export async function sendFailure(
  sfn: TaskTokenSfn,
  taskToken: string,
  error: string,
  cause: string,
): Promise<Handover> {
  return handOver(() =>
    awsCall('states:SendTaskFailure', () =>
      sfn.send(new SendTaskFailureCommand({ taskToken, error, cause: cause.slice(0, MAX_CAUSE_CHARS) })),
    ),
  );
}

/** A gone token is an answer, not a failure: throwing would only retry a call that can never succeed. */
async function handOver(send: () => Promise<unknown>): Promise<Handover> {
  try {
    await send();
    return { delivered: true };
  } catch (error) {
    if (!GONE_TOKEN_ERRORS.has((error as Error).name)) throw error;
    return { delivered: false, gone: error as Error };
  }
}
