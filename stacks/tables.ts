// The orchestrator's DynamoDB tables, from the definitions the local runtime uses (aws/tables.ts), in the
// shape of Pulumi's aws.dynamodb.Table arguments. Pure (no Pulumi, no SST globals).
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import {
  approvalsTable,
  deliveriesTable,
  idempotencyTable,
  leasesTable,
  ledgerTable,
  templatesTable,
  waitsTable,
} from '../aws/tables';
import type { OrchestratorNames } from './names';

export interface TableSpec {
  /** `Approvals`: Pulumi resource `ApprovalsTable`. */
  id: string;
  name: (names: OrchestratorNames) => string;
  define: (name: string) => CreateTableCommandInput;
  /** The epoch-seconds attribute after which DynamoDB's TTL removes an item. */
  ttl?: string;
  /**
   * Records that must outlive the stage: point-in-time recovery and deletion protection in every stage, and
   * left in place when the stage is removed (stacks/storage.ts).
   */
  retained?: true;
}

export const TABLES = [
  { id: 'Deliveries', name: (names) => names.deliveriesTable, define: deliveriesTable, ttl: 'expiresAt' },
  { id: 'Approvals', name: (names) => names.approvalsTable, define: approvalsTable, ttl: 'expiresAt' },
  { id: 'Waits', name: (names) => names.waitsTable, define: waitsTable, ttl: 'expiresAt' },
  // No TTL: a lease lasts as long as its pipeline runs, which acquire-lease asks Step Functions (aws/lease.ts).
  { id: 'Leases', name: (names) => names.leasesTable, define: leasesTable },
  // What was deployed where, by whom, and how it ended: an audit record, so no TTL and never removed with the stage.
  { id: 'Ledger', name: (names) => names.ledgerTable, define: ledgerTable, retained: true },
  // A published template version is what every stack built from it was built from: an audit record as well.
  { id: 'Templates', name: (names) => names.templatesTable, define: templatesTable, retained: true },
  // Powertools' own attribute names: `id` is the key, `expiration` (epoch seconds) what its TTL reads.
  { id: 'Idempotency', name: (names) => names.idempotencyTable, define: idempotencyTable, ttl: 'expiration' },
] as const satisfies readonly TableSpec[];

export type TableId = (typeof TABLES)[number]['id'];

/** The subset of aws.dynamodb.TableArgs the tables use. */
export interface DynamoTableArgs {
  name: string;
  billingMode: 'PAY_PER_REQUEST';
  hashKey: string;
  rangeKey?: string;
  attributes: { name: string; type: string }[];
  localSecondaryIndexes?: {
    name: string;
    rangeKey: string;
    projectionType: string;
    nonKeyAttributes?: string[];
  }[];
  globalSecondaryIndexes?: {
    name: string;
    keySchemas: { attributeName: string; keyType: string }[];
    projectionType: string;
    nonKeyAttributes?: string[];
  }[];
  ttl?: { attributeName: string; enabled: true };
}

/** aws/tables.ts's CreateTable input as Pulumi arguments; anything it cannot carry over is an error. */
export function dynamoTableArgs(input: CreateTableCommandInput, ttl?: string): DynamoTableArgs {
  const where = `table ${input.TableName}`;
  if (!input.TableName) throw new Error('a table definition without TableName');
  if (input.BillingMode !== 'PAY_PER_REQUEST') throw new Error(`${where}: only on-demand billing is supported`);
  const key = (schema: CreateTableCommandInput['KeySchema'], type: 'HASH' | 'RANGE') =>
    schema?.find((element) => element.KeyType === type)?.AttributeName;
  const hashKey = key(input.KeySchema, 'HASH');
  if (!hashKey) throw new Error(`${where}: no HASH key`);
  const rangeKey = key(input.KeySchema, 'RANGE');

  const args: DynamoTableArgs = {
    name: input.TableName,
    billingMode: 'PAY_PER_REQUEST',
    hashKey,
    ...(rangeKey ? { rangeKey } : {}),
    attributes: (input.AttributeDefinitions ?? []).map((attribute) => {
      if (!attribute.AttributeName || !attribute.AttributeType) throw new Error(`${where}: incomplete attribute`);
      return { name: attribute.AttributeName, type: attribute.AttributeType };
    }),
  };
  if (input.LocalSecondaryIndexes?.length) {
    args.localSecondaryIndexes = input.LocalSecondaryIndexes.map((index) => {
      const what = `${where}: local secondary index ${index.IndexName ?? '(unnamed)'}`;
      if (!index.IndexName || !index.Projection?.ProjectionType) throw new Error(`${what} is incomplete`);
      // Pulumi takes only the range key: an LSI shares the table's hash key, so any other is an error here.
      if (key(index.KeySchema, 'HASH') !== hashKey) throw new Error(`${what} must use the table's hash key ${hashKey}`);
      const range = key(index.KeySchema, 'RANGE');
      if (!range) throw new Error(`${what} has no RANGE key`);
      return {
        name: index.IndexName,
        rangeKey: range,
        projectionType: index.Projection.ProjectionType,
        ...(index.Projection.NonKeyAttributes ? { nonKeyAttributes: index.Projection.NonKeyAttributes } : {}),
      };
    });
  }
  if (input.GlobalSecondaryIndexes?.length) {
    args.globalSecondaryIndexes = input.GlobalSecondaryIndexes.map((index) => {
      if (!index.IndexName || !index.KeySchema?.length || !index.Projection?.ProjectionType) {
        throw new Error(`${where}: incomplete global secondary index`);
      }
      return {
        name: index.IndexName,
        keySchemas: index.KeySchema.map((element) => {
          if (!element.AttributeName || !element.KeyType) throw new Error(`${where}: incomplete index key`);
          return { attributeName: element.AttributeName, keyType: element.KeyType };
        }),
        projectionType: index.Projection.ProjectionType,
        ...(index.Projection.NonKeyAttributes ? { nonKeyAttributes: index.Projection.NonKeyAttributes } : {}),
      };
    });
  }
  if (ttl) args.ttl = { attributeName: ttl, enabled: true };
  return args;
}
