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

export class MotoApi {
  constructor(private readonly endpoint: string) {}

  async ecs<T>(where: Where, operation: string, payload: object): Promise<T> {
    const text = await this.#post(
      { service: 'ecs', ...where },
      {
        'x-amz-target': `AmazonEC2ContainerServiceV20141113.${operation}`,
        'content-type': 'application/x-amz-json-1.1',
      },
      JSON.stringify(payload),
      operation,
    );
    return JSON.parse(text) as T;
  }

  async ecr<T>(where: Where, operation: string, payload: object): Promise<T> {
    const text = await this.#post(
      { service: 'ecr', ...where },
      {
        'x-amz-target': `AmazonEC2ContainerRegistry_V20150921.${operation}`,
        'content-type': 'application/x-amz-json-1.1',
      },
      JSON.stringify(payload),
      operation,
    );
    return JSON.parse(text) as T;
  }

  async setAlarmState(where: Where, alarm: string, state: 'ALARM' | 'OK', reason: string): Promise<void> {
    await this.#query({ service: 'monitoring', ...where }, 'SetAlarmState', {
      Version: '2010-08-01',
      AlarmName: alarm,
      StateValue: state,
      StateReason: reason,
    });
  }

  /** The account moto files calls made with `accessKeyId` under. */
  async accountOf(accessKeyId: string, region: string): Promise<string | undefined> {
    const answer = await this.#query({ service: 'sts', region, accessKeyId }, 'GetCallerIdentity', {
      Version: '2011-06-15',
    });
    return /<Account>(\d{12})<\/Account>/.exec(answer)?.[1];
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
      throw new Error(`${route.service}:${operation} in ${where} failed: HTTP ${response.status} ${text}`);
    }
    return text;
  }
}
