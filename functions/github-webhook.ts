// `POST /webhooks/github`: turns a signed GitHub push into one `Push` event on the bus. It only verifies,
// normalizes, dedupes and publishes; which services deploy (branches, path filters) is decided by the
// pipeline starter downstream, which keeps this answer well inside GitHub's 10 s delivery timeout.

import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DeleteCommand, type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { verify } from '@octokit/webhooks-methods';
import { publishPush } from '../aws/push-events';
import { requiredSecret } from '../aws/secrets';
import { settings } from '../aws/settings';
import type { DeploymentMap } from '../core/map/schema';
import type { PushEvent } from '../core/pipeline-types';
import { decidePush, fitForEventBus, InvalidPushEvent, pushFromGithub } from '../core/push';
import { quickDocumentClient, quickEventsClient } from './lib/clients';
import { formFields, type HttpRequest, type HttpResponse, header, httpHandler, json, rawBody } from './lib/http';
import { deploymentMap } from './lib/map';
import { logger } from './lib/powertools';

export interface WebhookDeps {
  secret: () => Promise<string>;
  events?: EventBridgeClient;
  dynamo?: DynamoDBDocumentClient;
  /** Only to say in the answer which services build from the repository; the starter decides again. */
  map?: () => DeploymentMap;
  now?: () => Date;
}

/** GitHub redelivers by hand or by script within days; a week covers it, and TTL removes the rest. */
const DELIVERY_RETENTION_SECONDS = 7 * 24 * 60 * 60;

export async function receiveGithubWebhook(request: HttpRequest, deps: WebhookDeps): Promise<HttpResponse> {
  const body = rawBody(request);
  const signature = header(request, 'x-hub-signature-256');
  if (!signature || !body || !(await verify(await deps.secret(), body, signature))) {
    logger.warn('GitHub webhook rejected: missing or wrong signature', { signed: signature !== undefined });
    return json(401, { error: 'missing or wrong X-Hub-Signature-256' });
  }

  const event = header(request, 'x-github-event') ?? '';
  const deliveryId = header(request, 'x-github-delivery');
  if (event !== 'push') {
    logger.info('GitHub webhook ignored', { event, deliveryId });
    return json(202, { ignored: `event ${event || '(none)'}: only push deploys` });
  }

  let payload: unknown;
  try {
    payload = parsePayload(body, header(request, 'content-type'));
  } catch {
    return json(400, { error: 'body is not a JSON webhook payload' });
  }
  let result: ReturnType<typeof pushFromGithub>;
  try {
    result = pushFromGithub(payload, deliveryId);
  } catch (error) {
    if (error instanceof InvalidPushEvent) return json(400, { error: error.message });
    throw error;
  }
  if ('ignored' in result) {
    logger.info('GitHub push ignored', { deliveryId, reason: result.ignored });
    return json(202, { ignored: result.ignored });
  }
  // GitHub always sends one; without it a redelivery could not be told from a new push.
  if (!deliveryId) return json(400, { error: 'missing X-GitHub-Delivery' });

  const push = fitForEventBus(result.push);
  const services = servicesOf(deps.map, push);
  logger.info('GitHub push received', {
    deliveryId,
    repository: 'github' in push.source ? push.source.github : push.source.codecommit,
    branch: push.branch,
    commit: push.commit,
    changedPaths: push.changedPaths.length,
    services,
  });

  const dynamo = deps.dynamo ?? quickDocumentClient();
  const now = (deps.now ?? (() => new Date()))();
  if (!(await recordDelivery(dynamo, push, deliveryId, now))) {
    logger.info('GitHub delivery already accepted', { deliveryId });
    return json(200, { duplicate: true });
  }

  const failure = await publishPush(deps.events ?? quickEventsClient(), settings.eventBusName(), push);
  if (failure) {
    // Forget the delivery so a redelivery of it publishes instead of being dropped as a duplicate.
    await forgetDelivery(dynamo, deliveryId);
    logger.error('Push not published', { deliveryId, failure });
    return json(502, { error: 'the push could not be published; redeliver it' });
  }
  return json(202, { published: true, ...(services ? { services } : {}) });
}

// GitHub sends JSON, or `payload=<json>` when the hook is set to application/x-www-form-urlencoded.
function parsePayload(body: string, contentType: string | undefined): unknown {
  if (contentType?.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    return JSON.parse(formFields({ headers: {}, body }).get('payload') ?? '');
  }
  return JSON.parse(body);
}

function servicesOf(map: WebhookDeps['map'], push: PushEvent): string[] | undefined {
  if (!map) return undefined;
  try {
    return decidePush(map(), push).map((decision) => decision.service);
  } catch (error) {
    // Informational only: an unreadable map must not stop the push from reaching the starter.
    logger.warn('deployment map unavailable; answering without services', error as Error);
    return undefined;
  }
}

/** False when this delivery was accepted before. */
async function recordDelivery(
  dynamo: DynamoDBDocumentClient,
  push: PushEvent,
  deliveryId: string,
  now: Date,
): Promise<boolean> {
  try {
    await dynamo.send(
      new PutCommand({
        TableName: settings.deliveriesTable(),
        Item: {
          deliveryId,
          receivedAt: now.toISOString(),
          expiresAt: Math.floor(now.getTime() / 1000) + DELIVERY_RETENTION_SECONDS,
          branch: push.branch,
          commit: push.commit,
        },
        ConditionExpression: 'attribute_not_exists(deliveryId)',
      }),
    );
    return true;
  } catch (error) {
    if ((error as Error).name === 'ConditionalCheckFailedException') return false;
    throw error;
  }
}

async function forgetDelivery(dynamo: DynamoDBDocumentClient, deliveryId: string): Promise<void> {
  try {
    await dynamo.send(new DeleteCommand({ TableName: settings.deliveriesTable(), Key: { deliveryId } }));
  } catch (error) {
    logger.error('delivery record not deleted: a redelivery will be taken for a duplicate', {
      deliveryId,
      error: (error as Error).message,
    });
  }
}

export const handler = httpHandler('github-webhook', (request) =>
  receiveGithubWebhook(request, {
    secret: () => requiredSecret('CROSSDEPLOY_GITHUB_WEBHOOK_SECRET_PARAM'),
    map: deploymentMap,
  }),
);
