import { type DocumentClient, defaultDocumentClient } from '../../aws/lease';

// One DynamoDB document client per warm Lambda, created on first use: a new client pays for a new connection.
let sharedDb: DocumentClient | undefined;

export function sharedDocumentClient(): DocumentClient {
  sharedDb ??= defaultDocumentClient();
  return sharedDb;
}
