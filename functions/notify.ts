// Target of the bus rules for deployment notices and for what target accounts forward (ECS deployments,
// alarms): says it on the notifications SNS topic and in the chat channel, whichever are configured. Each
// channel remembers, by event id, what it already said: EventBridge and Lambda deliver at least once, and a
// retry after one channel failed must not repeat what the other already said.

import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PublishCommand } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { readSecret } from '../aws/secrets';
import { settings } from '../aws/settings';
import { awsCall } from '../aws/transient';
import { type Announcement, chatMessage, describeAlert, describeNotice, snsMessage } from '../core/channels';
import { InvalidStepInput } from '../core/errors';
import { deploymentNotice, noticeEventOf } from '../core/notice';
import { EVENT_SOURCE } from '../core/pipeline-types';
import { decodeTargetEvent } from '../core/target-events';
import { type SnsLike, sharedDynamoClient, sharedSnsClient } from './lib/clients';
import { eventHandler } from './lib/lambda-step';
import { logger } from './lib/powertools';

const busEvent = z.looseObject({
  id: z.string().min(1),
  source: z.string().min(1),
  'detail-type': z.string().min(1),
  detail: z.unknown(),
});

export type NotifyEvent = z.infer<typeof busEvent>;

export type Delivery =
  | { channel: 'sns'; messageId: string; repeated?: true }
  /** `delivered: false`: the webhook refused the message (4xx); sending it again would be refused again. */
  | { channel: 'chat'; status: number; delivered: boolean; repeated?: true };

export interface NotifyOutcome {
  eventId: string;
  /** What was said; null when the event was routine (a rollout in progress, an alarm back to OK). */
  headline: string | null;
  sent: Delivery[];
}

/** The chat webhook did not answer, timed out, or answered 5xx/429: worth the invocation's retry. */
export class ChatWebhookUnavailable extends Error {
  override name = 'ChatWebhookUnavailable' as const;
}

/** CROSSDEPLOY_CHAT_WEBHOOK_URL is not a URL. The message never repeats it: the URL is a secret. */
export class InvalidChatWebhookUrl extends Error {
  override name = 'InvalidChatWebhookUrl' as const;
}

export interface NotifyDeps {
  /** Defaults to a client in the topic's region. */
  sns?: SnsLike;
  /** The idempotency table's client. */
  dynamo?: DynamoDBClient;
  topicArn?: () => string | undefined;
  chatWebhookUrl?: () => string | undefined | Promise<string | undefined>;
  idempotencyTable?: () => string;
  chatTimeoutMs?: number;
  /** The invocation's context: an interrupted invocation's in-progress mark expires with it. */
  context?: Context;
}

// Lambda retries an asynchronous invocation for up to 6 hours; a day covers every redelivery.
const REMEMBER_SECONDS = 24 * 60 * 60;
const CHAT_TIMEOUT_MS = 5_000;
/**
 * Without a Lambda context (called in-process), how long a send may be in progress before a redelivery may
 * take it over: otherwise a send interrupted halfway would block its event for the whole day above.
 */
const IN_PROGRESS_MS = 60_000;

export async function notify(event: NotifyEvent, deps: NotifyDeps = {}): Promise<NotifyOutcome> {
  const {
    dynamo = sharedDynamoClient(),
    topicArn = settings.notificationsTopicArn,
    chatWebhookUrl = () => readSecret('CROSSDEPLOY_CHAT_WEBHOOK_URL_PARAM'),
    idempotencyTable = settings.idempotencyTable,
    chatTimeoutMs = CHAT_TIMEOUT_MS,
  } = deps;
  const announcement = announcementOf(event);
  if (announcement === null) {
    logger.info('routine target event: nothing to say', { eventId: event.id, detailType: event['detail-type'] });
    return { eventId: event.id, headline: null, sent: [] };
  }

  const topic = topicArn();
  const webhook = await chatWebhookUrl();
  const table = idempotencyTable();
  const channels: Promise<Delivery>[] = [];
  if (topic) {
    const sns = deps.sns ?? sharedSnsClient(regionOf(topic));
    const publish = once('sns', dynamo, table, deps.context, () => publishToTopic(sns, topic, announcement));
    channels.push(publish(event));
  }
  if (webhook) {
    const post = once('chat', dynamo, table, deps.context, () => postToChat(webhook, announcement, chatTimeoutMs));
    channels.push(post(event));
  }
  // Every channel gets its attempt before a failure is thrown, so a retry only repeats the one that failed.
  const settled = await Promise.allSettled(channels);
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed) throw failed.reason;
  const sent = settled.map((s) => (s as PromiseFulfilledResult<Delivery>).value);
  logger.info('notice sent', { eventId: event.id, headline: announcement.headline, sent });
  return { eventId: event.id, headline: announcement.headline, sent };
}

/** crossdeploy's notice, or a target account's alert; null for routine target events. */
function announcementOf(event: NotifyEvent): Announcement | null {
  const detailType = event['detail-type'];
  if (event.source === EVENT_SOURCE) {
    const kind = noticeEventOf(detailType);
    if (kind === undefined) throw new InvalidStepInput(`notify: "${detailType}" is not a deployment notice`);
    const parsed = deploymentNotice.safeParse(event.detail);
    if (!parsed.success) {
      throw new InvalidStepInput(`notify: invalid "${detailType}" notice\n${z.prettifyError(parsed.error)}`);
    }
    if (parsed.data.event !== kind) {
      throw new InvalidStepInput(`notify: a "${detailType}" event carries a "${parsed.data.event}" notice`);
    }
    return describeNotice(parsed.data);
  }
  if (event.source === 'aws.ecs' || event.source === 'aws.cloudwatch') {
    const alert = decodeTargetEvent(event);
    return alert && describeAlert(alert);
  }
  throw new InvalidStepInput(`notify: events from "${event.source}" are not notices`);
}

async function publishToTopic(sns: SnsLike, topicArn: string, a: Announcement): Promise<Delivery> {
  const { subject, body, attributes } = snsMessage(a);
  const MessageAttributes = Object.fromEntries(
    Object.entries(attributes).map(([name, value]) => [name, { DataType: 'String', StringValue: value }]),
  );
  const { MessageId } = await awsCall(`sns:Publish ${topicArn}`, () =>
    sns.send(new PublishCommand({ TopicArn: topicArn, Subject: subject, Message: body, MessageAttributes })),
  );
  return { channel: 'sns', messageId: MessageId ?? '' };
}

async function postToChat(webhook: string, a: Announcement, timeoutMs: number): Promise<Delivery> {
  if (!URL.canParse(webhook)) throw new InvalidChatWebhookUrl('the chat webhook URL does not parse');
  let response: Response;
  try {
    response = await fetch(webhook, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(chatMessage(a)),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    // fetch's errors can quote the URL; only their kind goes further.
    throw new ChatWebhookUnavailable(`chat webhook unreachable: ${fetchFailure(error)}`);
  }
  const answer = (await response.text().catch(() => '')).slice(0, 200);
  if (response.status >= 500 || response.status === 429) {
    throw new ChatWebhookUnavailable(`chat webhook answered ${response.status}`);
  }
  if (!response.ok) {
    logger.warn('chat webhook refused the notice; dropped', { status: response.status, answer });
    return { channel: 'chat', status: response.status, delivered: false };
  }
  return { channel: 'chat', status: response.status, delivered: true };
}

function fetchFailure(error: unknown): string {
  const e = error as Error & { cause?: { code?: string; name?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'no answer in time';
  return e.cause?.code ?? e.cause?.name ?? e.name ?? 'unknown error';
}

/** `send` at most once per event id and channel; a repeat returns what the first send returned. */
function once(
  channel: Delivery['channel'],
  dynamo: DynamoDBClient,
  table: string,
  context: Context | undefined,
  send: () => Promise<Delivery>,
): (event: NotifyEvent) => Promise<Delivery> {
  const config = new IdempotencyConfig({
    eventKeyJmesPath: 'id',
    throwOnNoIdempotencyKey: true,
    expiresAfterSeconds: REMEMBER_SECONDS,
    responseHook: (response) => ({ ...(response as object), repeated: true }),
  });
  config.registerLambdaContext(context ?? ({ getRemainingTimeInMillis: () => IN_PROGRESS_MS } as Context));
  return makeIdempotent((_event: NotifyEvent) => send(), {
    persistenceStore: persistence(dynamo, table, channel),
    config,
    // Fixed rather than the function's name: local runs and every stage agree on what was said.
    keyPrefix: `crossdeploy-notify-${channel}`,
  }) as (event: NotifyEvent) => Promise<Delivery>;
}

const stores = new WeakMap<DynamoDBClient, Map<string, DynamoDBPersistenceLayer>>();
function persistence(dynamo: DynamoDBClient, table: string, channel: string): DynamoDBPersistenceLayer {
  const byTable = stores.get(dynamo) ?? new Map<string, DynamoDBPersistenceLayer>();
  stores.set(dynamo, byTable);
  const key = `${table}#${channel}`;
  const store = byTable.get(key) ?? new DynamoDBPersistenceLayer({ tableName: table, awsSdkV3Client: dynamo });
  byTable.set(key, store);
  return store;
}

function regionOf(arn: string): string | undefined {
  return arn.split(':')[3] || undefined;
}

/** An asynchronous invoke by EventBridge, retried by Lambda when it throws; the context bounds an interrupted send. */
export const handler = eventHandler('notify', busEvent, (event, context) => notify(event, { context }));
