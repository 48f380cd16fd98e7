// Every AWS client a handler uses by default, one per warm Lambda and created on first use: a new client pays
// for a new connection, and importing a handler costs nothing. Tests pass their own clients instead.

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECRClient } from '@aws-sdk/client-ecr';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { type PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type DocumentClient, defaultDocumentClient } from '../../aws/lease';

/** SNS as far as publishing goes; SNSClient is one. */
export interface SnsLike {
  send(command: PublishCommand): Promise<{ MessageId?: string }>;
}

let sharedDb: DocumentClient | undefined;

export function sharedDocumentClient(): DocumentClient {
  sharedDb ??= defaultDocumentClient();
  return sharedDb;
}

let sharedDynamo: DynamoDBClient | undefined;

/** The plain DynamoDB client, for libraries that take one (Powertools idempotency). */
export function sharedDynamoClient(): DynamoDBClient {
  sharedDynamo ??= new DynamoDBClient({});
  return sharedDynamo;
}

let sharedSfn: SFNClient | undefined;

export function sharedSfnClient(): SFNClient {
  sharedSfn ??= new SFNClient({});
  return sharedSfn;
}

let sharedEvents: EventBridgeClient | undefined;

export function sharedEventsClient(): EventBridgeClient {
  sharedEvents ??= new EventBridgeClient({});
  return sharedEvents;
}

// One ECR client per region: the steps that work across the regions of an environment (open-ecr,
// check-image-replica, mark-image-deployed) reach the same registries again and again.
const ecrClients = new Map<string, ECRClient>();

export function sharedEcrClient(region: string): ECRClient {
  const client = ecrClients.get(region) ?? new ECRClient({ region });
  ecrClients.set(region, client);
  return client;
}

// One SNS client per region: a topic lives in its own region (the orchestrator's, or the one its ARN names),
// whichever region the function runs in. Without a region, the function's own.
const snsClients = new Map<string, SNSClient>();

export function sharedSnsClient(region?: string): SNSClient {
  const key = region ?? '';
  const client = snsClients.get(key) ?? new SNSClient(region ? { region } : {});
  snsClients.set(key, client);
  return client;
}

// Short timeouts and one retry, for an answer that must come back inside its caller's deadline: GitHub counts
// a webhook delivery failed after 10 s and does not wait for a slow AWS answer.
const QUICK = { maxAttempts: 2, requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_500 } };
let quickEvents: EventBridgeClient | undefined;
let quickDb: DynamoDBDocumentClient | undefined;

export function quickEventsClient(): EventBridgeClient {
  quickEvents ??= new EventBridgeClient(QUICK);
  return quickEvents;
}

export function quickDocumentClient(): DynamoDBDocumentClient {
  quickDb ??= DynamoDBDocumentClient.from(new DynamoDBClient(QUICK));
  return quickDb;
}

let sharedS3: S3Client | undefined;

export function sharedS3Client(): S3Client {
  sharedS3 ??= new S3Client({});
  return sharedS3;
}
