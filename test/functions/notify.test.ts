import { readFileSync } from 'node:fs';
import { CreateTableCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RULES } from '../../aws/event-rules';
import { settings } from '../../aws/settings';
import { idempotencyTable } from '../../aws/tables';
import { buildNotice, type DeploymentNotice } from '../../core/notice';
import { announceDeployment } from '../../functions/announce-deployment';
import { handler, type NotifyDeps, type NotifyEvent, notify } from '../../functions/notify';
import { storeLocalSecrets } from '../../local/secrets';
import { useMoto } from '../support/moto';
import { CHAT_SECRET_PATH, sentToTopic, startChatWebhook, useBusQueue } from '../support/notices';
import { ORCHESTRATOR } from '../support/workflows';
import { lambdaContext } from './support';

const moto = useMoto();
const bus = useBusQueue(RULES.notifications, 'notifications');

const TOPIC_ARN = `arn:aws:sns:${ORCHESTRATOR.region}:${ORCHESTRATOR.account}:crossdeploy-deployments`;
const COMMIT = '3f2a9c1'.padEnd(40, '0');
const EXECUTION = `arn:aws:states:us-east-1:${ORCHESTRATOR.account}:execution:crossdeploy-pipeline:web-production-3f2a9c1`;
const CAUSE =
  'account/region 333333333333/eu-west-1, cluster/service demo/web: alarms check failed (web-5xx in ALARM); ' +
  'rolled back to web:1';

const fixture = (name: string): NotifyEvent =>
  JSON.parse(readFileSync(new URL(`../fixtures/events/${name}`, import.meta.url), 'utf8'));

/** A notice as the bus delivers it to a rule's target. */
function noticeEvent(id: string, overrides: Partial<DeploymentNotice> = {}): NotifyEvent {
  const notice = {
    ...buildNotice({
      event: 'failed',
      pipelineId: 'web-production-3f2a9c1',
      executionArn: EXECUTION,
      consoleLink: `http://127.0.0.1:8080/?execution=${encodeURIComponent(EXECUTION)}`,
      serviceName: 'web',
      environment: 'prod',
      commit: COMMIT,
      kind: 'deploy',
      failure: { Error: 'DeploymentRolledBack', Cause: CAUSE },
      at: new Date('2030-01-02T03:04:05Z'),
    }),
    ...overrides,
  };
  const detailType = {
    started: 'Deployment Started',
    succeeded: 'Deployment Succeeded',
    failed: 'Deployment Failed',
    'rolled-back': 'Deployment Rolled Back',
    'approval-waiting': 'Approval Waiting',
  }[notice.event];
  return {
    version: '0',
    id,
    source: 'crossdeploy',
    'detail-type': detailType,
    account: ORCHESTRATOR.account,
    time: '2030-01-02T03:04:05Z',
    region: ORCHESTRATOR.region,
    resources: [EXECUTION],
    detail: notice,
  };
}

let chat: Awaited<ReturnType<typeof startChatWebhook>>;
let dynamo: DynamoDBClient;
let sns: SNSClient;

beforeEach(async () => {
  chat = await startChatWebhook();
  dynamo = new DynamoDBClient({ region: ORCHESTRATOR.region });
  sns = new SNSClient({ region: ORCHESTRATOR.region });
  await dynamo.send(new CreateTableCommand(idempotencyTable(settings.idempotencyTable())));
  await sns.send(new CreateTopicCommand({ Name: 'crossdeploy-deployments' }));
});
afterEach(async () => {
  await chat.close();
  dynamo.destroy();
  sns.destroy();
});

const deps = (overrides: NotifyDeps = {}): NotifyDeps => ({
  dynamo,
  sns,
  topicArn: () => TOPIC_ARN,
  chatWebhookUrl: () => chat.url,
  ...overrides,
});
const sent = () => sentToTopic(moto.motoEndpoint(), TOPIC_ARN);

describe('notify', () => {
  it('says what the bus delivered on the SNS topic and in chat, with the reason and the console link', async () => {
    await announceDeployment(
      {
        event: 'rolled-back',
        pipelineId: 'web-production-3f2a9c1',
        executionArn: EXECUTION,
        serviceName: 'web',
        environment: 'prod',
        commit: COMMIT,
        kind: 'deploy',
        failure: { Error: 'States.TaskFailed', Cause: JSON.stringify({ Error: 'DeploymentRolledBack', Cause: CAUSE }) },
      },
      { events: bus().events, consoleUrl: () => undefined },
    );
    const [delivered] = await bus().received();
    if (!delivered) throw new Error('the rule delivered no notice');

    const outcome = await notify(delivered, deps());

    const headline = 'The deployment of web 3f2a9c1 to prod was rolled back';
    const reason = `Rolled back (DeploymentRolledBack): ${CAUSE}.`;
    const consoleLink = `https://us-east-1.console.aws.amazon.com/states/home?region=us-east-1#/v2/executions/details/${EXECUTION}`;
    expect(outcome).toEqual({
      eventId: delivered.id,
      headline,
      sent: [
        { channel: 'sns', messageId: expect.any(String) },
        { channel: 'chat', status: 200, delivered: true },
      ],
    });
    const [notification, ...more] = await sent();
    expect(more).toEqual([]);
    expect(notification?.subject).toBe(`crossdeploy: ${headline}`);
    expect(notification?.message).toContain(`${headline}.\n\n${reason}\n`);
    expect(notification?.message).toContain(`\n${consoleLink}\n`);
    expect(notification?.attributes.event).toEqual({ Type: 'String', Value: 'rolled-back' });

    expect(chat.received).toHaveLength(1);
    const [request] = chat.received;
    expect(request?.path).toBe(CHAT_SECRET_PATH);
    expect(request?.contentType).toBe('application/json');
    expect(request?.body).toMatchObject({
      text: `${headline}: ${reason}`,
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: `:rewind: *${headline}*\n${reason}` } },
        { type: 'section', fields: expect.arrayContaining([{ type: 'mrkdwn', text: '*Environment*\nprod' }]) },
        { type: 'context', elements: [{ type: 'mrkdwn', text: `<${consoleLink}|Open the execution>` }] },
      ],
    });
  });

  it('says a redelivered event once, and answers the redelivery with what was sent', async () => {
    const event = noticeEvent('0f1e2d3c-redelivered');

    const first = await notify(event, deps());
    const again = await notify(structuredClone(event), deps());

    expect(await sent()).toHaveLength(1);
    expect(chat.received).toHaveLength(1);
    expect(again).toEqual({
      ...first,
      sent: first.sent.map((delivery) => ({ ...delivery, repeated: true })),
    });
    const { Items = [] } = await dynamo.send(new ScanCommand({ TableName: settings.idempotencyTable() }));
    expect(Items.map((item) => item.status?.S)).toEqual(['COMPLETED', 'COMPLETED']);
  });

  it('says two events with the same content but different ids twice', async () => {
    await notify(noticeEvent('event-1'), deps());
    await notify(noticeEvent('event-2'), deps());

    expect(await sent()).toHaveLength(2);
    expect(chat.received).toHaveLength(2);
  });

  it('throws when the chat webhook answers 5xx, so the retry sends it; SNS is not repeated', async () => {
    const event = noticeEvent('event-5xx');
    chat.state.status = 503;

    await expect(notify(event, deps())).rejects.toMatchObject({
      name: 'ChatWebhookUnavailable',
      message: 'chat webhook answered 503',
    });
    expect(await sent()).toHaveLength(1);

    chat.state.status = 200;
    const retried = await notify(event, deps());

    expect(retried.sent).toEqual([
      { channel: 'sns', messageId: expect.any(String), repeated: true },
      { channel: 'chat', status: 200, delivered: true },
    ]);
    expect(await sent()).toHaveLength(1);
    expect(chat.received).toHaveLength(2);
  });

  it('refuses a redelivery while the first is still being sent: Lambda retries it, and it is said once', async () => {
    const event = noticeEvent('event-concurrent');
    const chatOnly = deps({ topicArn: () => undefined });
    chat.state.hold = true;
    const first = notify(event, chatOnly);
    await chat.requested(1);

    await expect(notify(event, chatOnly)).rejects.toMatchObject({ name: 'IdempotencyAlreadyInProgressError' });

    chat.release(200);
    expect((await first).sent).toEqual([{ channel: 'chat', status: 200, delivered: true }]);
    expect((await notify(event, chatOnly)).sent).toEqual([
      { channel: 'chat', status: 200, delivered: true, repeated: true },
    ]);
    expect(chat.received).toHaveLength(1);
  });

  it('treats 429 as worth a retry too', async () => {
    chat.state.status = 429;

    await expect(notify(noticeEvent('event-429'), deps({ topicArn: () => undefined }))).rejects.toMatchObject({
      name: 'ChatWebhookUnavailable',
    });
  });

  it('drops the chat message when the webhook answers 4xx, and does not try it again', async () => {
    const event = noticeEvent('event-4xx');
    chat.state.status = 404;

    const outcome = await notify(event, deps());
    await notify(event, deps());

    expect(outcome.sent).toEqual([
      { channel: 'sns', messageId: expect.any(String) },
      { channel: 'chat', status: 404, delivered: false },
    ]);
    expect(chat.received).toHaveLength(1);
  });

  it('throws when the webhook cannot be reached, without repeating its secret URL', async () => {
    await chat.close();

    const error = await notify(noticeEvent('event-unreachable'), deps({ topicArn: () => undefined })).then(
      () => undefined,
      (e: Error) => e,
    );

    expect(error).toMatchObject({ name: 'ChatWebhookUnavailable', message: 'chat webhook unreachable: ECONNREFUSED' });
    expect(`${error?.stack} ${JSON.stringify(error)} ${String(error?.cause)}`).not.toContain('xoxsecret');
  });

  it('throws when the webhook does not answer within the timeout', async () => {
    chat.state.hold = true;

    await expect(
      notify(noticeEvent('event-slow'), deps({ topicArn: () => undefined, chatTimeoutMs: 200 })),
    ).rejects.toMatchObject({ name: 'ChatWebhookUnavailable', message: 'chat webhook unreachable: no answer in time' });
    expect(chat.received).toHaveLength(1);
  });

  it('refuses a webhook URL that does not parse, without quoting it', async () => {
    await expect(
      notify(noticeEvent('event-bad-url'), deps({ topicArn: () => undefined, chatWebhookUrl: () => 'xoxsecret' })),
    ).rejects.toMatchObject({ name: 'InvalidChatWebhookUrl', message: 'the chat webhook URL does not parse' });
  });

  it('sends nothing, and still says what happened, when neither channel is configured', async () => {
    const outcome = await notify(
      noticeEvent('event-quiet', { event: 'started', error: null, cause: null, reason: null }),
      deps({ topicArn: () => undefined, chatWebhookUrl: () => undefined }),
    );

    expect(outcome).toEqual({ eventId: 'event-quiet', headline: expect.any(String), sent: [] });
    expect(await sent()).toEqual([]);
    expect(chat.received).toEqual([]);
  });
});

describe('notify, forwarded target-account events', () => {
  it('tells of a failed ECS deployment in a target account: account, region, service and reason', async () => {
    const outcome = await notify(fixture('ecs-deployment-failed.json'), deps());

    const headline = 'ECS deployment failed: demo/web in 333333333333/eu-west-1';
    expect(outcome.headline).toBe(headline);
    const [notification] = await sent();
    expect(notification?.subject).toBe(`crossdeploy: ${headline}`);
    expect(notification?.message).toContain('ECS deployment circuit breaker: task failed to start.');
    expect(notification?.message).toContain('Account: 333333333333\nRegion:  eu-west-1\nService: demo/web\n');
    expect(chat.received.map((r) => (r.body as { text: string }).text)).toEqual([
      `${headline}: ECS deployment circuit breaker: task failed to start.`,
    ]);
  });

  it('tells of an alarm that went to ALARM', async () => {
    const outcome = await notify(fixture('cloudwatch-alarm-alarm.json'), deps());

    expect(outcome.headline).toBe('Alarm web-5xx in ALARM: web-5xx in 333333333333/eu-west-1');
    expect(await sent()).toHaveLength(1);
    expect(chat.received).toHaveLength(1);
  });

  it.each(['ecs-deployment-in-progress.json', 'ecs-deployment-completed.json', 'cloudwatch-alarm-ok.json'])(
    'says nothing of the routine %s',
    async (name) => {
      const outcome = await notify(fixture(name), deps());

      expect(outcome).toEqual({ eventId: fixture(name).id, headline: null, sent: [] });
      expect(await sent()).toEqual([]);
      expect(chat.received).toEqual([]);
    },
  );
});

describe('notify handler', () => {
  const saved = { ...process.env };
  beforeEach(async () => {
    process.env.CROSSDEPLOY_NOTIFICATIONS_TOPIC_ARN = TOPIC_ARN;
    await storeLocalSecrets({ chatWebhookUrl: chat.url });
  });
  afterEach(() => {
    for (const name of ['CROSSDEPLOY_NOTIFICATIONS_TOPIC_ARN', 'CROSSDEPLOY_CHAT_WEBHOOK_URL_PARAM']) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });

  it('reads the topic from the environment and the webhook from SSM, and says each event once', async () => {
    const event = noticeEvent('event-handler');

    await handler(event, lambdaContext('crossdeploy-notify'));
    const again = await handler(event, lambdaContext('crossdeploy-notify'));

    expect(again.sent.map((d) => d.repeated)).toEqual([true, true]);
    expect(await sent()).toHaveLength(1);
    expect(chat.received).toHaveLength(1);
  });

  it.each([
    { case: 'an event without an id', event: { ...noticeEvent('x'), id: undefined } },
    { case: 'a crossdeploy event that is not a notice', event: { ...noticeEvent('x'), 'detail-type': 'Push' } },
    {
      case: 'a notice whose detail does not match its detail-type',
      event: { ...noticeEvent('x'), 'detail-type': 'Deployment Succeeded' },
    },
    { case: 'a notice without a headline', event: { ...noticeEvent('x'), detail: { event: 'failed' } } },
    { case: 'an event from another source', event: { ...noticeEvent('x'), source: 'acme.billing' } },
  ])('fails $case with InvalidStepInput and sends nothing', async ({ event }) => {
    await expect(handler(event, lambdaContext('crossdeploy-notify'))).rejects.toMatchObject({
      name: 'InvalidStepInput',
    });
    expect(await sent()).toEqual([]);
    expect(chat.received).toEqual([]);
  });
});
