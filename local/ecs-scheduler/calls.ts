// Reading an AWS call off the wire: which service and operation, whose key, which region, and so which account.

import type { IncomingHttpHeaders } from 'node:http';

export interface AwsCall {
  /** SigV4 signing name: `ecs`, `ecr`, `sts`, `monitoring` (CloudWatch), ... */
  service: string;
  operation: string;
  accessKeyId: string;
  region: string;
  /** moto's account override: only fixtures send it (see local/accounts.ts). */
  accountHeader?: string;
}

const CREDENTIAL_SCOPE = /Credential=([^/,\s]+)\/\d{8}\/([^/,\s]+)\/([^/,\s]+)\/aws4_request/;

/** Undefined for requests that are not signed AWS calls (moto's own `/moto-api`, health checks). */
export function readCall(method: string, url: string, headers: IncomingHttpHeaders, body: Buffer): AwsCall | undefined {
  const scope = CREDENTIAL_SCOPE.exec(single(headers.authorization) ?? '');
  if (!scope) return undefined;
  const [, accessKeyId = '', region = '', service = ''] = scope;
  const accountHeader = single(headers['x-moto-account-id']);
  return {
    service,
    operation: service === 's3' ? s3OperationOf(method, url) : operationOf(method, url, headers, body),
    accessKeyId,
    region,
    ...(accountHeader && { accountHeader }),
  };
}

function operationOf(method: string, url: string, headers: IncomingHttpHeaders, body: Buffer): string {
  // JSON protocols (ECS, ECR, CloudWatch in SDK v3) name it in x-amz-target.
  const target = single(headers['x-amz-target']);
  if (target) return target.slice(target.lastIndexOf('.') + 1);
  // Smithy RPC v2 CBOR puts it in the path.
  const rpc = /\/service\/[^/]+\/operation\/([^/?]+)/.exec(url)?.[1];
  if (rpc) return rpc;
  // Query protocol (STS) sends an Action field, usually in a form body.
  const parsed = new URL(url, 'http://localhost');
  const form = single(headers['content-type'])?.startsWith('application/x-www-form-urlencoded')
    ? new URLSearchParams(body.toString('utf8'))
    : undefined;
  const action = parsed.searchParams.get('Action') ?? form?.get('Action');
  // REST protocols have no operation name on the wire; method and path are the next best thing.
  return action ?? `${method} ${parsed.pathname}`;
}

/**
 * S3's REST calls by the name of their operation: the SDK's `x-id`, else an object's by its method (path-style, as
 * the local endpoint is addressed), else method and bucket, so counts do not split by key.
 */
function s3OperationOf(method: string, url: string): string {
  const { pathname, searchParams } = new URL(url, 'http://localhost');
  // SDK v3 names most of S3's operations in an `x-id` query parameter.
  const named = searchParams.get('x-id');
  if (named) return named;
  const [bucket = '', ...key] = pathname.split('/').filter(Boolean);
  const object: Record<string, string> = {
    GET: 'GetObject',
    PUT: 'PutObject',
    HEAD: 'HeadObject',
    DELETE: 'DeleteObject',
  };
  const operation = object[method];
  if (key.length > 0 && operation && [...searchParams.keys()].length === 0) return operation;
  return `${method} /${bucket}`;
}

/**
 * Knows the account behind an access key. Keys assumed through the proxy are learned from the STS answer;
 * any other key is asked of moto once (GetCallerIdentity with that key), since moto alone decides it.
 */
export class AccountDirectory {
  #byKey = new Map<string, Promise<string | undefined>>();

  constructor(private readonly ask: (call: AwsCall) => Promise<string | undefined>) {}

  /** Records the key → account pair of an AssumeRole answer (query-protocol XML). */
  learn(stsAnswer: string): void {
    const key = /<AccessKeyId>([^<]+)<\/AccessKeyId>/.exec(stsAnswer)?.[1];
    const account = /<Arn>arn:aws:sts::(\d{12}):assumed-role\//.exec(stsAnswer)?.[1];
    if (key && account) this.#byKey.set(key, Promise.resolve(account));
  }

  accountOf(call: AwsCall): Promise<string | undefined> {
    let account = this.#byKey.get(call.accessKeyId);
    if (!account) {
      // A failed question is not remembered; the call is then simply outside every fault's reach.
      account = this.ask(call).catch(() => {
        this.#byKey.delete(call.accessKeyId);
        return undefined;
      });
      this.#byKey.set(call.accessKeyId, account);
    }
    return account;
  }

  /** moto's reset forgets assumed roles, so their keys mean nothing afterwards. */
  forget(): void {
    this.#byKey.clear();
  }
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
