import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import examples from '@octokit/webhooks-examples';
import { sign } from '@octokit/webhooks-methods';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RULES } from '../../aws/event-rules';
import { settings } from '../../aws/settings';
import { deliveriesTable } from '../../aws/tables';
import { handler, receiveGithubWebhook, type WebhookDeps } from '../../functions/github-webhook';
import type { HttpRequest } from '../../functions/lib/http';
import { storeLocalSecrets } from '../../local/secrets';
import { mapOf, mapYaml } from '../support/map';
import { useMoto } from '../support/moto';
import { useBusQueue } from '../support/notices';
import { lambdaContext } from './support';

useMoto();
// The orchestrator's bus and a queue the Push rule delivers to: locally, rules route to SQS (a Step Functions
// target would make PutEvents fail in moto), and the queue shows what was published.
const bus = useBusQueue(RULES.pushes, 'pushes');

const SECRET = 'It’s a Secret to Everybody';
type Payload = Record<string, unknown>;

/** A real `push` payload from @octokit/webhooks-examples, picked by what it shows. */
function githubPush(matches: (payload: Payload) => boolean): Payload {
  const payloads = (examples.find((d) => d.name === 'push')?.examples ?? []) as unknown as Payload[];
  const found = payloads.find(matches);
  if (!found) throw new Error('no such push example in @octokit/webhooks-examples');
  return structuredClone(found);
}
const branchPush = () => githubPush((p) => String(p.ref).startsWith('refs/heads/') && p.deleted === false);
const tagPush = () => githubPush((p) => String(p.ref).startsWith('refs/tags/') && p.deleted === false);
/** The examples hold no branch deletion: the real branch push, turned into one the way GitHub sends it. */
const branchDeletion = () => ({
  ...branchPush(),
  after: '0'.repeat(40),
  deleted: true,
  head_commit: null,
  commits: [],
});
const ping = () => examples.find((d) => d.name === 'ping')?.examples[0];

const normalizedPush = (deliveryId: string) => ({
  source: { github: 'Codertocat/Hello-World' },
  branch: 'master',
  commit: '6113728f27ae82c7b1a177c8d03f9e96e0adf246',
  author: 'Codertocat',
  message: 'Initial commit',
  changedPaths: ['README.md'],
  deliveryId,
});

interface Delivery {
  event?: string;
  id?: string;
  body: string;
  /** Signed over `body` with SECRET unless given; null sends no signature at all. */
  signature?: string | null;
}

async function request({ event = 'push', id = 'delivery-1', body, signature }: Delivery): Promise<HttpRequest> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'GitHub-Hookshot/0000000',
    'x-github-event': event,
    'x-github-delivery': id,
  };
  const signed = signature === undefined ? await sign(SECRET, body) : signature;
  if (signed !== null) headers['x-hub-signature-256'] = signed;
  return { headers, body, isBase64Encoded: false };
}

let dynamo: DynamoDBDocumentClient;
const now = new Date('2026-11-02T10:00:00Z');
const deps = (): WebhookDeps => ({ secret: async () => SECRET, events: bus().events, dynamo, now: () => now });

// The deliveries table (the bus and its queue come from useBusQueue above, whose beforeEach runs first).
beforeEach(async () => {
  const ddb = new DynamoDBClient({});
  dynamo = DynamoDBDocumentClient.from(ddb);
  await ddb.send(new CreateTableCommand(deliveriesTable(settings.deliveriesTable())));
});
afterEach(() => {
  dynamo.destroy();
});

/** Every event the Push rule delivered so far (moto delivers synchronously), taken off the queue. */
const published = () => bus().received();

const bodyOf = (response: { body: string }) => JSON.parse(response.body);

describe('github-webhook (receiveGithubWebhook)', () => {
  it('publishes a signed branch push as one Push event with the normalized push', async () => {
    const response = await receiveGithubWebhook(await request({ body: JSON.stringify(branchPush()) }), deps());

    expect(response.statusCode).toBe(202);
    expect(bodyOf(response)).toEqual({ published: true });
    const delivered = await published();
    expect(delivered).toHaveLength(1);
    expect(delivered[0]).toMatchObject({ source: 'crossdeploy', 'detail-type': 'Push' });
    expect(delivered[0]?.detail).toStrictEqual(normalizedPush('delivery-1'));
  });

  it('remembers the delivery for a week', async () => {
    await receiveGithubWebhook(await request({ id: 'delivery-7', body: JSON.stringify(branchPush()) }), deps());

    const { Item } = await dynamo.send(
      new GetCommand({ TableName: settings.deliveriesTable(), Key: { deliveryId: 'delivery-7' } }),
    );
    expect(Item?.expiresAt).toBe(now.getTime() / 1000 + 7 * 24 * 3600);
  });

  it.each([
    ['a wrong signature', async () => `sha256=${'0'.repeat(64)}`],
    ['a signature made with another secret', (body: string) => sign('not the secret', body)],
    ['a SHA-1 signature in place of SHA-256', async () => `sha1=${'0'.repeat(40)}`],
    ['no signature', async () => null],
  ])('answers 401 to %s and publishes nothing', async (_what, signatureFor) => {
    const body = JSON.stringify(branchPush());
    const response = await receiveGithubWebhook(await request({ body, signature: await signatureFor(body) }), deps());

    expect(response.statusCode).toBe(401);
    expect(await published()).toEqual([]);
  });

  it('answers 401 to a body changed after signing', async () => {
    const signed = await request({ body: JSON.stringify(branchPush()) });
    const tampered = { ...signed, body: JSON.stringify({ ...branchPush(), ref: 'refs/heads/production' }) };

    expect((await receiveGithubWebhook(tampered, deps())).statusCode).toBe(401);
    expect(await published()).toEqual([]);
  });

  it('answers 400 to a signed body that is not JSON', async () => {
    const response = await receiveGithubWebhook(await request({ body: '{"ref": "refs/heads/ma' }), deps());

    expect(response.statusCode).toBe(400);
    expect(await published()).toEqual([]);
  });

  it('answers 400 to signed JSON that is not a push payload', async () => {
    const response = await receiveGithubWebhook(await request({ body: JSON.stringify({ zen: 'hi' }) }), deps());

    expect(response.statusCode).toBe(400);
    expect(await published()).toEqual([]);
  });

  it.each([
    ['a ping', () => request({ event: 'ping', body: JSON.stringify(ping()) }), /^event ping/],
    ['another event', () => request({ event: 'issues', body: '{}' }), /^event issues/],
    ['a tag push', () => request({ body: JSON.stringify(tagPush()) }), /^tag simple-tag/],
    ['a branch deletion', () => request({ body: JSON.stringify(branchDeletion()) }), /^branch master was deleted/],
  ])('acknowledges %s with 202, says it is ignored, and publishes nothing', async (_what, make, reason) => {
    const response = await receiveGithubWebhook(await make(), deps());

    expect(response.statusCode).toBe(202);
    expect(bodyOf(response)).toEqual({ ignored: expect.stringMatching(reason) });
    expect(await published()).toEqual([]);
  });

  it('publishes one event for five deliveries of the same X-GitHub-Delivery', async () => {
    const delivery = await request({ id: 'same-delivery', body: JSON.stringify(branchPush()) });
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await receiveGithubWebhook(delivery, deps())).statusCode);

    expect(statuses).toEqual([202, 200, 200, 200, 200]);
    expect(await published()).toHaveLength(1);
  });

  it('answers a redelivery with {"duplicate": true}', async () => {
    const delivery = await request({ body: JSON.stringify(branchPush()) });
    await receiveGithubWebhook(delivery, deps());

    const again = await receiveGithubWebhook(delivery, deps());
    expect(again.statusCode).toBe(200);
    expect(bodyOf(again)).toEqual({ duplicate: true });
  });

  it('answers 5xx when the bus refuses the event, and publishes the redelivery of it', async () => {
    const delivery = await request({ body: JSON.stringify(branchPush()) });
    process.env.CROSSDEPLOY_EVENT_BUS_NAME = 'no-such-bus';
    try {
      expect((await receiveGithubWebhook(delivery, deps())).statusCode).toBeGreaterThanOrEqual(500);
    } finally {
      delete process.env.CROSSDEPLOY_EVENT_BUS_NAME;
    }

    const redelivered = await receiveGithubWebhook(delivery, deps());
    expect(redelivered.statusCode).toBe(202);
    expect(await published()).toHaveLength(1);
  });

  it('accepts a hook configured to send application/x-www-form-urlencoded', async () => {
    const body = new URLSearchParams({ payload: JSON.stringify(branchPush()) }).toString();
    const delivery = await request({ body });
    delivery.headers['content-type'] = 'application/x-www-form-urlencoded';

    expect((await receiveGithubWebhook(delivery, deps())).statusCode).toBe(202);
    expect((await published())[0]?.detail).toStrictEqual(normalizedPush('delivery-1'));
  });

  it('names the services of the map that build from the repository', async () => {
    const map = mapOf(
      mapYaml(
        [{ name: 'hello', source: '{ github: codertocat/hello-world }', branches: '{ main: [dev] }' }],
        '  dev:\n    targets: [{ account: "222222222222", regions: [us-east-1] }]',
      ),
    );
    const delivery = await request({ body: JSON.stringify(branchPush()) });

    // The branch (master) deploys nowhere: the starter decides that, the push is published all the same.
    const response = await receiveGithubWebhook(delivery, { ...deps(), map: () => map });
    expect(bodyOf(response)).toEqual({ published: true, services: ['hello'] });
    expect(await published()).toHaveLength(1);
  });
});

describe('github-webhook handler (API Gateway HTTP API, payload format 2.0)', () => {
  afterEach(() => {
    delete process.env.CROSSDEPLOY_GITHUB_WEBHOOK_SECRET_PARAM;
  });

  async function apiGatewayEvent(body: string): Promise<APIGatewayProxyEventV2> {
    return {
      version: '2.0',
      routeKey: 'POST /webhooks/github',
      rawPath: '/webhooks/github',
      rawQueryString: '',
      // API Gateway lowercases header names.
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'push',
        'x-github-delivery': 'f3b2c1d0-0000-4000-8000-000000000001',
        'x-hub-signature-256': await sign(SECRET, body),
      },
      requestContext: {
        accountId: '111111111111',
        apiId: 'abc123',
        domainName: 'abc123.execute-api.us-east-1.amazonaws.com',
        domainPrefix: 'abc123',
        http: {
          method: 'POST',
          path: '/webhooks/github',
          protocol: 'HTTP/1.1',
          sourceIp: '192.30.252.1',
          userAgent: 'GitHub-Hookshot/0000000',
        },
        requestId: 'req-1',
        routeKey: 'POST /webhooks/github',
        stage: '$default',
        time: '02/Nov/2026:10:00:00 +0000',
        timeEpoch: now.getTime(),
      },
      body: Buffer.from(body).toString('base64'),
      isBase64Encoded: true,
    };
  }

  it('verifies the base64-encoded body with the secret it reads from SSM, and publishes the push', async () => {
    await storeLocalSecrets({ githubWebhookSecret: SECRET });

    const response = await handler(await apiGatewayEvent(JSON.stringify(branchPush())), lambdaContext());

    expect(response.statusCode).toBe(202);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    const delivered = await published();
    expect(delivered).toHaveLength(1);
    expect(delivered[0]?.detail).toStrictEqual(normalizedPush('f3b2c1d0-0000-4000-8000-000000000001'));
  });

  it('answers 500 without details when no secret is configured', async () => {
    const response = await handler(await apiGatewayEvent(JSON.stringify(branchPush())), lambdaContext());

    expect(response.statusCode).toBe(500);
    expect(bodyOf(response)).toEqual({ error: 'internal error' });
    expect(await published()).toEqual([]);
  });
});
