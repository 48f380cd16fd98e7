import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

// The orchestrator's DynamoDB tables, described once: the local runtime creates them from here and the SST
// app declares the same keys. Records that expire carry `expiresAt` (epoch seconds) for DynamoDB's TTL.

/** Webhook deliveries already accepted, by `X-GitHub-Delivery`: a redelivery starts nothing new. */
export const deliveriesTable = (name: string): CreateTableCommandInput => ({
  TableName: name,
  BillingMode: 'PAY_PER_REQUEST',
  AttributeDefinitions: [{ AttributeName: 'deliveryId', AttributeType: 'S' }],
  KeySchema: [{ AttributeName: 'deliveryId', KeyType: 'HASH' }],
});

/**
 * Approvals waiting for a decision, by `approvalId`; the task token stays here, never in a link. The index
 * finds the approvals pending for one service × environment, which a newer commit supersedes.
 */
export const approvalsTable = (name: string): CreateTableCommandInput => ({
  TableName: name,
  BillingMode: 'PAY_PER_REQUEST',
  AttributeDefinitions: [
    { AttributeName: 'approvalId', AttributeType: 'S' },
    { AttributeName: 'serviceEnvironment', AttributeType: 'S' },
  ],
  KeySchema: [{ AttributeName: 'approvalId', KeyType: 'HASH' }],
  GlobalSecondaryIndexes: [
    {
      IndexName: 'byServiceEnvironment',
      KeySchema: [{ AttributeName: 'serviceEnvironment', KeyType: 'HASH' }],
      Projection: { ProjectionType: 'ALL' },
    },
  ],
});

/**
 * Deploy-target executions waiting on their target's events: one partition per account and region (`subject`),
 * which an event of theirs reads, consistently; `waitId` within it. The task token stays here, never in an event.
 */
export const waitsTable = (name: string): CreateTableCommandInput => ({
  TableName: name,
  BillingMode: 'PAY_PER_REQUEST',
  AttributeDefinitions: [
    { AttributeName: 'subject', AttributeType: 'S' },
    { AttributeName: 'waitId', AttributeType: 'S' },
  ],
  KeySchema: [
    { AttributeName: 'subject', KeyType: 'HASH' },
    { AttributeName: 'waitId', KeyType: 'RANGE' },
  ],
});

/** One lease per service × environment (`web#prod`): at most one deployment mutates it at a time. */
export const leasesTable = (name: string): CreateTableCommandInput => ({
  TableName: name,
  BillingMode: 'PAY_PER_REQUEST',
  AttributeDefinitions: [{ AttributeName: 'lease', AttributeType: 'S' }],
  KeySchema: [{ AttributeName: 'lease', KeyType: 'HASH' }],
});

/**
 * The deployment ledger (`core/ledger.ts`): one record per target × deployment, kept forever. `byStartedAt`
 * lists one target's deployments newest first.
 */
export const ledgerTable = (name: string): CreateTableCommandInput => ({
  TableName: name,
  BillingMode: 'PAY_PER_REQUEST',
  AttributeDefinitions: [
    { AttributeName: 'target', AttributeType: 'S' },
    { AttributeName: 'deploymentId', AttributeType: 'S' },
    { AttributeName: 'startedAt', AttributeType: 'S' },
  ],
  KeySchema: [
    { AttributeName: 'target', KeyType: 'HASH' },
    { AttributeName: 'deploymentId', KeyType: 'RANGE' },
  ],
  LocalSecondaryIndexes: [
    {
      IndexName: 'byStartedAt',
      KeySchema: [
        { AttributeName: 'target', KeyType: 'HASH' },
        { AttributeName: 'startedAt', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    },
  ],
});

/**
 * The template registry (`aws/template-registry.ts`): one record per published template version, `template` =
 * `<kind>/<name>` and `version` = `vN.M`. A published version never changes, so this is an audit record, kept forever.
 */
export const templatesTable = (name: string): CreateTableCommandInput => ({
  TableName: name,
  BillingMode: 'PAY_PER_REQUEST',
  AttributeDefinitions: [
    { AttributeName: 'template', AttributeType: 'S' },
    { AttributeName: 'version', AttributeType: 'S' },
  ],
  KeySchema: [
    { AttributeName: 'template', KeyType: 'HASH' },
    { AttributeName: 'version', KeyType: 'RANGE' },
  ],
});

/** Powertools idempotency records (`id` is its default key attribute; `expiration` its TTL attribute). */
export const idempotencyTable = (name: string): CreateTableCommandInput => ({
  TableName: name,
  BillingMode: 'PAY_PER_REQUEST',
  AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
  KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
});
