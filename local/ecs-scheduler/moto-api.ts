// The scheduler's own calls to moto, made on ECS's behalf (the scheduler acting as AWS, not as a client).
// moto does not verify signatures: an Authorization header carrying a credential scope routes the call to
// the right service and region, and x-moto-account-id (or an access key moto issued) picks the account.

import type { Where } from './faults';

interface Route {
  service: string;
  region: string;
  account?: string;
  accessKeyId?: string;
}

const SCHEDULER_KEY = 'AKIDLOCALECSSCHEDULER';

/** A PutEvents entry: `Detail` is JSON text, `Time` epoch seconds. */
export interface BusEntry {
  Source: string;
  DetailType: string;
  Detail: string;
  Resources: string[];
  Time?: number;
}

export class MotoApi {
  constructor(private readonly endpoint: string) {}

  ecs<T>(where: Where, operation: string, payload: object): Promise<T> {
    return this.#json({ service: 'ecs', ...where }, 'AmazonEC2ContainerServiceV20141113', operation, payload);
  }

  /** An ECR call in `where`'s registry; ECR's own error names (`ImageNotFoundException`, ...) come back as MotoError. */
  ecr<T>(where: Where, operation: string, payload: object): Promise<T> {
    return this.#json({ service: 'ecr', ...where }, 'AmazonEC2ContainerRegistry_V20150921', operation, payload);
  }

  async setAlarmState(where: Where, alarm: string, state: 'ALARM' | 'OK', reason: string): Promise<void> {
    await this.#query({ service: 'monitoring', ...where }, 'SetAlarmState', {
      Version: '2010-08-01',
      AlarmName: alarm,
      StateValue: state,
      StateReason: reason,
    });
  }

  /** Events put on `where`'s default bus, as an AWS service sends its own; moto runs the bus's rules within the call. */
  async putEvents(where: Where, entries: BusEntry[]): Promise<void> {
    const { FailedEntryCount = 0, Entries = [] } = await this.#json<{
      FailedEntryCount?: number;
      Entries?: { ErrorCode?: string; ErrorMessage?: string }[];
    }>({ service: 'events', ...where }, 'AWSEvents', 'PutEvents', { Entries: entries });
    if (FailedEntryCount > 0) {
      const failed = Entries.find((e) => e.ErrorCode);
      throw new MotoError(
        failed?.ErrorCode,
        `events:PutEvents in ${where.account}/${where.region}: ${failed?.ErrorMessage}`,
      );
    }
  }

  /** The account moto files calls made with `accessKeyId` under. */
  async accountOf(accessKeyId: string, region: string): Promise<string | undefined> {
    const answer = await this.#query({ service: 'sts', region, accessKeyId }, 'GetCallerIdentity', {
      Version: '2011-06-15',
    });
    return /<Account>(\d{12})<\/Account>/.exec(answer)?.[1];
  }

  /** ECS, ECR and EventBridge speak JSON 1.1: the operation travels in `x-amz-target`, after the service's API version. */
  async #json<T>(route: Route, api: string, operation: string, payload: object): Promise<T> {
    const headers = { 'x-amz-target': `${api}.${operation}`, 'content-type': 'application/x-amz-json-1.1' };
    return JSON.parse(await this.#post(route, headers, JSON.stringify(payload), operation)) as T;
  }

  #query(route: Route, action: string, form: Record<string, string>): Promise<string> {
    const body = new URLSearchParams({ Action: action, ...form }).toString();
    return this.#post(route, { 'content-type': 'application/x-www-form-urlencoded' }, body, action);
  }

  async #post(route: Route, headers: Record<string, string>, body: string, operation: string): Promise<string> {
    const key = route.accessKeyId ?? SCHEDULER_KEY;
    const response = await fetch(this.endpoint, {
      method: 'POST',
      headers: {
        ...headers,
        authorization: `AWS4-HMAC-SHA256 Credential=${key}/20000101/${route.region}/${route.service}/aws4_request, SignedHeaders=host, Signature=0`,
        ...(route.account && { 'x-moto-account-id': route.account }),
      },
      body,
    });
    const text = await response.text();
    if (!response.ok) {
      const where = [route.account, route.region].filter(Boolean).join('/');
      throw new MotoError(
        errorTypeOf(text),
        `${route.service}:${operation} in ${where} failed: HTTP ${response.status} ${text}`,
      );
    }
    return text;
  }
}

/** A call moto refused; `code` is the AWS error name it answered with, when it named one. */
export class MotoError extends Error {
  override name = 'MotoError' as const;
  constructor(
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

/** `{"__type": "ImageNotFoundException", ...}` (JSON protocols) or `<Code>...</Code>` (query protocols). */
function errorTypeOf(body: string): string | undefined {
  const json = /"__type"\s*:\s*"(?:[^"#]*#)?([^"]+)"/.exec(body)?.[1];
  return json ?? /<Code>([^<]+)<\/Code>/.exec(body)?.[1];
}
