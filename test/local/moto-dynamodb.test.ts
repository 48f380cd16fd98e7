// The local stand-in's DynamoDB Query (local/moto/dynamodb_patch.py) reads only the asked partition, as DynamoDB
// does: its answers must stay exactly moto's own, on the table, on an index keyed by the same attribute, and on a
// global secondary index keyed by another.

import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { approvalsTable, ledgerTable } from '../../aws/tables';
import { useMoto } from '../support/moto';

useMoto();
const TABLE = 'partition-reads';
const db = () => DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));

/** Every page of a Query, in order. */
async function queryAll(input: QueryCommandInput): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db().send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

describe('a Query of the local DynamoDB', () => {
  beforeEach(async () => {
    await new DynamoDBClient({ region: 'us-east-1' }).send(new CreateTableCommand(ledgerTable(TABLE)));
    for (const target of ['web#prod#1', 'web#prod#2', 'web#prod#3']) {
      for (const n of [3, 1, 2]) {
        await db().send(
          new PutCommand({
            TableName: TABLE,
            Item: { target, deploymentId: `d-${n}`, startedAt: `2026-12-0${n}T00:00:00Z`, result: 'succeeded' },
          }),
        );
      }
    }
    // An item outside the index: it has no startedAt.
    await db().send(new PutCommand({ TableName: TABLE, Item: { target: 'web#prod#2', deploymentId: 'd-0' } }));
  });

  it("answers from the asked partition only, in its sort key's order, page by page", async () => {
    const items = await queryAll({
      TableName: TABLE,
      KeyConditionExpression: '#t = :t',
      ExpressionAttributeNames: { '#t': 'target' },
      ExpressionAttributeValues: { ':t': 'web#prod#2' },
      Limit: 2,
    });

    expect(items.map((i) => i.deploymentId)).toEqual(['d-0', 'd-1', 'd-2', 'd-3']);
    expect(new Set(items.map((i) => i.target))).toEqual(new Set(['web#prod#2']));
  });

  it("answers from an index keyed by the table's partition key, newest first, without the items it lacks", async () => {
    const items = await queryAll({
      TableName: TABLE,
      IndexName: 'byStartedAt',
      KeyConditionExpression: '#t = :t',
      ExpressionAttributeNames: { '#t': 'target' },
      ExpressionAttributeValues: { ':t': 'web#prod#2' },
      ScanIndexForward: false,
      Limit: 2,
    });

    expect(items.map((i) => i.deploymentId)).toEqual(['d-3', 'd-2', 'd-1']);
  });

  it('answers nothing for a partition that holds no item', async () => {
    const items = await queryAll({
      TableName: TABLE,
      KeyConditionExpression: '#t = :t',
      ExpressionAttributeNames: { '#t': 'target' },
      ExpressionAttributeValues: { ':t': 'web#prod#9' },
    });

    expect(items).toEqual([]);
  });
});

describe('a Query of a global secondary index keyed by another attribute', () => {
  const APPROVALS = 'partition-approvals';
  beforeEach(async () => {
    await new DynamoDBClient({ region: 'us-east-1' }).send(new CreateTableCommand(approvalsTable(APPROVALS)));
    for (const [approvalId, serviceEnvironment, status] of [
      ['a1', 'web#prod', 'pending'],
      ['a2', 'web#dev', 'pending'],
      ['a3', 'web#prod', 'approved'],
      ['a4', 'web#prod', 'pending'],
    ]) {
      await db().send(new PutCommand({ TableName: APPROVALS, Item: { approvalId, serviceEnvironment, status } }));
    }
    // An item outside the index: it has no serviceEnvironment.
    await db().send(new PutCommand({ TableName: APPROVALS, Item: { approvalId: 'a5', status: 'pending' } }));
  });

  it("answers the items of the asked value only, filtered and paged as moto's own Query does", async () => {
    const items = await queryAll({
      TableName: APPROVALS,
      IndexName: 'byServiceEnvironment',
      KeyConditionExpression: '#s = :s',
      FilterExpression: '#status = :pending',
      ExpressionAttributeNames: { '#s': 'serviceEnvironment', '#status': 'status' },
      ExpressionAttributeValues: { ':s': 'web#prod', ':pending': 'pending' },
      Limit: 1,
    });

    expect(items.map((i) => i.approvalId).sort()).toEqual(['a1', 'a4']);
  });
});
