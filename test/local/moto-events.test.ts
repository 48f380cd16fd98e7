// The local stand-in's EventBridge (local/moto/events_patch.py) forwards an event to another account's or region's
// bus as EventBridge does: the receiving bus's rules see the event as it was sent, not as their own account's.

import {
  CreateEventBusCommand,
  EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { clientForAccount } from '../../local/accounts';
import { useMoto } from '../support/moto';

useMoto();
const SOURCE = { account: '222222222222', region: 'us-east-1' };
const CENTRAL_BUS = 'central';

interface Where {
  account: string;
  region: string;
}

/** moto answers queue URLs on its own port; keep every call on the endpoint the test set. */
class QueueClient extends SQSClient {
  constructor(config: { region: string }) {
    super({ ...config, useQueueUrlAsEndpoint: false });
  }
}

const busArn = (where: Where, name: string) => `arn:aws:events:${where.region}:${where.account}:event-bus/${name}`;

/** A rule on `where`'s `bus` sending what `pattern` matches to a new queue there; returns the queue's reader. */
async function ruleToQueue(where: Where, bus: string, pattern: object, queue: string) {
  const events = clientForAccount(EventBridgeClient, where.account, where.region);
  const sqs = clientForAccount(QueueClient, where.account, where.region);
  if (bus !== 'default') await events.send(new CreateEventBusCommand({ Name: bus }));
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: queue }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  await events.send(new PutRuleCommand({ Name: queue, EventBusName: bus, EventPattern: JSON.stringify(pattern) }));
  await events.send(
    new PutTargetsCommand({ Rule: queue, EventBusName: bus, Targets: [{ Id: 'queue', Arn: Attributes?.QueueArn }] }),
  );
  events.destroy();
  // moto delivers within PutEvents: whatever a rule sent is on the queue once PutEvents has answered.
  return async () => {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    return Messages.map((m) => JSON.parse(m.Body ?? '{}') as Record<string, unknown>);
  };
}

/** The source account's default-bus rule forwarding every aws.ecs event to `targets`. */
async function forwardFrom(where: Where, targets: string[]) {
  const events = clientForAccount(EventBridgeClient, where.account, where.region);
  await events.send(new PutRuleCommand({ Name: 'forward', EventPattern: JSON.stringify({ source: ['aws.ecs'] }) }));
  await events.send(
    new PutTargetsCommand({
      Rule: 'forward',
      Targets: targets.map((Arn, i) => ({ Id: `t${i}`, Arn, RoleArn: `arn:aws:iam::${where.account}:role/forwarder` })),
    }),
  );
  events.destroy();
}

async function putEvent(where: Where, entry: Partial<PutEventsRequestEntry> = {}) {
  const events = clientForAccount(EventBridgeClient, where.account, where.region);
  try {
    return await events.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: 'aws.ecs',
            DetailType: 'ECS Deployment State Change',
            Resources: ['arn:aws:ecs:us-east-1:222222222222:service/main/web'],
            Time: new Date('2026-11-02T10:00:00Z'),
            Detail: JSON.stringify({
              eventType: 'INFO',
              eventName: 'SERVICE_DEPLOYMENT_COMPLETED',
              deploymentId: 'd-1',
            }),
            ...entry,
          },
        ],
      }),
    );
  } finally {
    events.destroy();
  }
}

const DEPLOYMENT_EVENTS = { source: ['aws.ecs'], 'detail-type': ['ECS Deployment State Change'] };

describe("an event a rule forwards to another account's bus", () => {
  it.each([
    { case: 'in the same region', to: { account: '111111111111', region: 'us-east-1' } },
    { case: 'in another region', to: { account: '111111111111', region: 'eu-west-1' } },
  ])('arrives as it was sent: account, region, time, resources, id and detail ($case)', async ({ to }) => {
    const received = await ruleToQueue(to, CENTRAL_BUS, DEPLOYMENT_EVENTS, 'central-events');
    await forwardFrom(SOURCE, [busArn(to, CENTRAL_BUS)]);

    const { Entries } = await putEvent(SOURCE);

    expect(await received()).toEqual([
      {
        version: '0',
        id: Entries?.[0]?.EventId,
        'detail-type': 'ECS Deployment State Change',
        source: 'aws.ecs',
        account: SOURCE.account,
        time: '2026-11-02T10:00:00Z',
        region: SOURCE.region,
        resources: ['arn:aws:ecs:us-east-1:222222222222:service/main/web'],
        detail: { eventType: 'INFO', eventName: 'SERVICE_DEPLOYMENT_COMPLETED', deploymentId: 'd-1' },
      },
    ]);
  });

  it("reaches only the receiving bus's rules whose pattern matches it", async () => {
    const to = { account: '111111111111', region: 'us-east-1' };
    const received = await ruleToQueue(to, CENTRAL_BUS, DEPLOYMENT_EVENTS, 'central-events');
    await forwardFrom(SOURCE, [busArn(to, CENTRAL_BUS)]);

    await putEvent(SOURCE, { DetailType: 'ECS Task State Change' });

    expect(await received()).toEqual([]);
  });

  it("still reaches the forwarding rule's other targets, and nothing when the receiving bus does not exist", async () => {
    const local = await ruleToQueue(SOURCE, 'default', { source: ['none'] }, 'local-events');
    const localQueue = `arn:aws:sqs:${SOURCE.region}:${SOURCE.account}:local-events`;
    await forwardFrom(SOURCE, [busArn({ account: '111111111111', region: 'us-east-1' }, 'missing'), localQueue]);

    const answer = await putEvent(SOURCE);

    expect(answer.FailedEntryCount).toBe(0);
    expect((await local()).map((e) => [e.account, e.region])).toEqual([[SOURCE.account, SOURCE.region]]);
  });

  it('gives a target with an input transformer what its template makes of the event', async () => {
    const to = { account: '111111111111', region: 'us-east-1' };
    const received = await ruleToQueue(to, CENTRAL_BUS, DEPLOYMENT_EVENTS, 'central-events');
    const events = clientForAccount(EventBridgeClient, to.account, to.region);
    await events.send(
      new PutTargetsCommand({
        Rule: 'central-events',
        EventBusName: CENTRAL_BUS,
        Targets: [
          {
            Id: 'queue',
            Arn: `arn:aws:sqs:${to.region}:${to.account}:central-events`,
            InputTransformer: {
              InputPathsMap: { from: '$.account', deployment: '$.detail.deploymentId' },
              InputTemplate: '{"from": "<from>", "deployment": "<deployment>"}',
            },
          },
        ],
      }),
    );
    events.destroy();
    await forwardFrom(SOURCE, [busArn(to, CENTRAL_BUS)]);

    await putEvent(SOURCE);

    expect(await received()).toEqual([{ from: SOURCE.account, deployment: 'd-1' }]);
  });
});
