// Support for the notification tests: a queue that a rule on crossdeploy's bus fills, the notifications topic
// as moto recorded what it sent, and a chat webhook served on loopback.

import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import {
  CreateEventBusCommand,
  EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterEach, beforeEach } from 'vitest';
import { settings } from '../../aws/settings';
import { ORCHESTRATOR } from './workflows';

/** A type, not an interface: handlers take events as records of unknown keys, which an interface is not. */
export type BusEvent<D = Record<string, unknown>> = {
  version: string;
  id: string;
  source: string;
  'detail-type': string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: D;
};

/**
 * Before each test (after useMoto's reset): crossdeploy's bus, and a rule sending what `pattern` matches to a
 * queue. `received()` takes every event delivered so far off the queue.
 */
export function useBusQueue(pattern: object, name = 'bus-events') {
  let events: EventBridgeClient | undefined;
  let sqs: SQSClient | undefined;
  let queueUrl = '';

  beforeEach(async () => {
    events = new EventBridgeClient({ region: ORCHESTRATOR.region });
    // moto answers queue URLs on its own port; keep every call on the endpoint the test set.
    sqs = new SQSClient({ region: ORCHESTRATOR.region, useQueueUrlAsEndpoint: false });
    const bus = settings.eventBusName();
    await events.send(new CreateEventBusCommand({ Name: bus })).catch((error: Error) => {
      if (error.name !== 'ResourceAlreadyExistsException') throw error;
    });
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
    queueUrl = QueueUrl ?? '';
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    await events.send(new PutRuleCommand({ Name: name, EventBusName: bus, EventPattern: JSON.stringify(pattern) }));
    await events.send(
      new PutTargetsCommand({ Rule: name, EventBusName: bus, Targets: [{ Id: 'queue', Arn: Attributes?.QueueArn }] }),
    );
  });
  afterEach(() => {
    events?.destroy();
    sqs?.destroy();
  });

  const started = () => {
    if (!events || !sqs) throw new Error('useBusQueue(): use it inside tests');
    return { events, sqs };
  };
  return () => ({
    /** An EventBridge client of this test, in the tools account. */
    events: started().events,
    async received<D = Record<string, unknown>>(): Promise<BusEvent<D>[]> {
      const { sqs } = started();
      const delivered: BusEvent<D>[] = [];
      for (;;) {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
        );
        if (Messages.length === 0) return delivered;
        for (const m of Messages) {
          delivered.push(JSON.parse(m.Body ?? '{}'));
          await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }));
        }
      }
    },
  });
}

export interface SentNotification {
  subject: string;
  message: string;
  attributes: Record<string, { Type: string; Value: string }>;
}

/** What moto recorded as sent to one topic, oldest first. */
export async function sentToTopic(motoEndpoint: string, topicArn: string): Promise<SentNotification[]> {
  const response = await fetch(`${motoEndpoint}/moto-api/data.json`);
  const data = (await response.json()) as {
    sns: { Topic: { arn: string; sent_notifications: [string, string, string | null, unknown, unknown][] }[] };
  };
  const topic = data.sns.Topic.find((t) => t.arn === topicArn);
  return (topic?.sent_notifications ?? []).map(([, message, subject, attributes]) => ({
    subject: subject ?? '',
    message,
    attributes: (attributes ?? {}) as SentNotification['attributes'],
  }));
}

export interface ChatRequest {
  path: string;
  contentType: string | undefined;
  body: unknown;
}

/**
 * A chat webhook on loopback, answering `status` (200 unless a test changes it) or holding the request
 * unanswered while `hold` is set. `url` carries a secret-looking path, as Slack's do.
 */
export async function startChatWebhook() {
  const received: ChatRequest[] = [];
  const held: ServerResponse[] = [];
  const state = { status: 200, hold: false };
  let waiting: { count: number; resolve: () => void }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      received.push({ path: req.url ?? '', contentType: req.headers['content-type'], body: JSON.parse(text) });
      for (const w of waiting.filter((w) => received.length >= w.count)) w.resolve();
      waiting = waiting.filter((w) => received.length < w.count);
      if (state.hold) {
        held.push(res);
        return;
      }
      res.writeHead(state.status, { 'content-type': 'text/plain' }).end(state.status < 300 ? 'ok' : 'no_service');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('chat webhook has no port');
  return {
    url: `http://127.0.0.1:${address.port}${CHAT_SECRET_PATH}`,
    received,
    state,
    /** Resolves once `count` requests have arrived. */
    requested(count: number): Promise<void> {
      if (received.length >= count) return Promise.resolve();
      return new Promise<void>((resolve) => waiting.push({ count, resolve }));
    },
    /** Answers the held requests with `status`. */
    release(status: number) {
      state.hold = false;
      for (const res of held.splice(0)) res.writeHead(status, { 'content-type': 'text/plain' }).end('ok');
    },
    async close() {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

export const CHAT_SECRET_PATH = '/services/T0001/B0001/xoxsecretwebhooktoken';
