import { ECRClient } from '@aws-sdk/client-ecr';
import { type DocumentClient, defaultDocumentClient } from '../../aws/lease';

// One DynamoDB document client per warm Lambda, created on first use: a new client pays for a new connection.
let sharedDb: DocumentClient | undefined;

export function sharedDocumentClient(): DocumentClient {
  sharedDb ??= defaultDocumentClient();
  return sharedDb;
}

// One ECR client per region per warm Lambda: the steps that work across the regions of an environment
// (open-ecr, check-image-replica, mark-image-deployed) reach the same registries again and again.
const ecrClients = new Map<string, ECRClient>();

export function sharedEcrClient(region: string): ECRClient {
  const client = ecrClients.get(region) ?? new ECRClient({ region });
  ecrClients.set(region, client);
  return client;
}
