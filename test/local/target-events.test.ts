// The whole event path of a target account, offline: the ECS scheduler puts ECS's and CloudWatch's events on the
// target account's default bus, its forwarding rule (as the bootstrap stack makes it) hands them to the
// orchestrator's bus, and a rule there delivers them, as they were sent, to a queue. Nobody looks at the service:
// rollouts move on with time.

import { CloudWatchClient, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import {
  DescribeServicesCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
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
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RULES } from '../../aws/event-rules';
import { settings } from '../../aws/settings';
import { clientForAccount, ORCHESTRATOR_ACCOUNT } from '../../local/accounts';
import { CIRCUIT_BREAKER_REASON } from '../../local/ecs-scheduler/simulation';
import { type SeededTarget, seedTarget, useMoto } from '../support/moto';

const aws = useMoto();
const DEV = { account: '222222222222', region: 'us-east-1' };
const ORCHESTRATOR_REGION = process.env.AWS_REGION ?? 'us-east-1';

interface Delivered {
  id: string;
  source: string;
  'detail-type': string;
  account: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown> & { deploymentId?: string; eventName?: string };
}

let sqs: SQSClient;
let queueUrl = '';

// The orchestrator's bus and a rule on it taking what target accounts forward, into a queue.
beforeEach(async () => {
  aws.scheduler().setRolloutStepMs(5);
  const events = new EventBridgeClient({ region: ORCHESTRATOR_REGION });
  sqs = new SQSClient({ region: ORCHESTRATOR_REGION, useQueueUrlAsEndpoint: false });
  const bus = settings.eventBusName();
  await events.send(new CreateEventBusCommand({ Name: bus }));
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'forwarded' }));
  queueUrl = QueueUrl ?? '';
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  const pattern = JSON.stringify(RULES.forwardedTargetEvents);
  await events.send(new PutRuleCommand({ Name: 'forwarded', EventBusName: bus, EventPattern: pattern }));
  await events.send(
    new PutTargetsCommand({ Rule: 'forwarded', EventBusName: bus, Targets: [{ Id: 'q', Arn: Attributes?.QueueArn }] }),
  );
  events.destroy();
});
afterEach(() => sqs.destroy());

/** Takes events off the queue, waiting for each, until `last` is among them; every one taken, in order. */
async function receiveUntil(last: (event: Delivered) => boolean): Promise<Delivered[]> {
  const taken: Delivered[] = [];
  for (let attempt = 0; attempt < 10; attempt++) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 2 }),
    );
    for (const m of Messages) {
      taken.push(JSON.parse(m.Body ?? '{}'));
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }));
    }
    if (taken.some(last)) return taken;
  }
  throw new Error(`the awaited event never arrived; got ${JSON.stringify(taken)}`);
}

async function queued(): Promise<number> {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
  );
  return Messages.length;
}

/** An ECS client acting in DEV as the product does: credentials assumed through the scheduler. */
async function ecsInDev(): Promise<ECSClient> {
  const sts = new STSClient({ region: DEV.region });
  const { Credentials: c } = await sts.send(
    new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${DEV.account}:role/crossdeploy-deploy`, RoleSessionName: 't' }),
  );
  sts.destroy();
  if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error('AssumeRole returned no credentials');
  return new ECSClient({
    region: DEV.region,
    credentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken },
  });
}

/** Revision 2 of the seeded service, put in service; the id of the deployment that rolls it out. */
async function deployRevision2(ecs: ECSClient, seeded: SeededTarget): Promise<string> {
  const { taskDefinition } = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: seeded.target.service,
      containerDefinitions: [{ name: seeded.target.container, image: 'web:v2', memory: 512 }],
    }),
  );
  const { service } = await ecs.send(
    new UpdateServiceCommand({
      cluster: seeded.target.cluster,
      service: seeded.target.service,
      taskDefinition: taskDefinition?.taskDefinitionArn,
    }),
  );
  const primary = service?.deployments?.find((d) => d.status === 'PRIMARY');
  if (!primary?.id) throw new Error('UpdateService answered no PRIMARY deployment');
  return primary.id;
}

const deploymentEvents = (events: Delivered[]) =>
  events.filter((e) => e['detail-type'] === 'ECS Deployment State Change');

describe("a target account's events on the orchestrator's bus", () => {
  it('say a rollout started and completed, from the target account and region, with nobody looking', async () => {
    const seeded = await seedTarget(DEV);
    const ecs = await ecsInDev();

    const deploymentId = await deployRevision2(ecs, seeded);
    const events = await receiveUntil((e) => e.detail.eventName === 'SERVICE_DEPLOYMENT_COMPLETED');

    expect(deploymentEvents(events).map((e) => [e.detail.eventName, e.detail.deploymentId])).toEqual([
      ['SERVICE_DEPLOYMENT_IN_PROGRESS', deploymentId],
      ['SERVICE_DEPLOYMENT_COMPLETED', deploymentId],
    ]);
    expect(events[1]).toMatchObject({
      source: 'aws.ecs',
      account: DEV.account,
      region: DEV.region,
      resources: [seeded.serviceArn],
      detail: { eventType: 'INFO', reason: `ECS deployment ${deploymentId} completed.` },
    });
    expect(aws.scheduler().stats().calls['ecs:DescribeServices']).toBeUndefined();
    // Sent once the rollout was settled, in moto too: whoever reads the service on the event sees it completed.
    const moto = clientForAccount(ECSClient, DEV.account, DEV.region);
    const { services } = await moto.send(
      new DescribeServicesCommand({ cluster: seeded.clusterArn, services: [seeded.serviceArn] }),
    );
    expect(services?.[0]?.deployments?.map((d) => [d.id, d.rolloutState])).toEqual([[deploymentId, 'COMPLETED']]);
    expect(
      aws
        .scheduler()
        .events()
        .map((e) => [e.account, e.region, e.detail.eventName]),
    ).toEqual([
      [DEV.account, DEV.region, 'SERVICE_DEPLOYMENT_IN_PROGRESS'],
      [DEV.account, DEV.region, 'SERVICE_DEPLOYMENT_COMPLETED'],
    ]);
  });

  it("say a rollout failed with the circuit breaker's reason, then how ECS's own rollback went", async () => {
    const seeded = await seedTarget(DEV);
    aws.scheduler().injectFault(DEV, { kind: 'circuit-breaker' });
    const ecs = await ecsInDev();

    const deploymentId = await deployRevision2(ecs, seeded);
    const events = deploymentEvents(await receiveUntil((e) => e.detail.eventName === 'SERVICE_DEPLOYMENT_COMPLETED'));

    expect(events.map((e) => [e.detail.eventType, e.detail.eventName, e.detail.deploymentId === deploymentId])).toEqual(
      [
        ['INFO', 'SERVICE_DEPLOYMENT_IN_PROGRESS', true],
        ['ERROR', 'SERVICE_DEPLOYMENT_FAILED', true],
        ['INFO', 'SERVICE_DEPLOYMENT_IN_PROGRESS', false],
        ['INFO', 'SERVICE_DEPLOYMENT_COMPLETED', false],
      ],
    );
    expect(events[1]?.detail.reason).toBe(CIRCUIT_BREAKER_REASON);
  });

  it('say an alarm changed state, when a client sets it and when a faulty rollout raises it, once per change', async () => {
    const seeded = await seedTarget({ ...DEV, alarms: ['web-5xx', 'web-latency'] });
    aws.scheduler().injectFault(DEV, { kind: 'alarm-after-rollout', alarm: 'web-5xx' });
    const cloudwatch = clientForAccount(CloudWatchClient, DEV.account, DEV.region);
    const ecs = await ecsInDev();

    for (let i = 0; i < 2; i++) {
      await cloudwatch.send(
        new SetAlarmStateCommand({ AlarmName: 'web-latency', StateValue: 'ALARM', StateReason: 'p99 over 2 s' }),
      );
    }
    const deploymentId = await deployRevision2(ecs, seeded);
    const events = await receiveUntil((e) => e.detail.eventName === 'SERVICE_DEPLOYMENT_COMPLETED');
    cloudwatch.destroy();

    const alarms = events.filter((e) => e['detail-type'] === 'CloudWatch Alarm State Change');
    expect(alarms.map((e) => [e.resources, e.detail.alarmName])).toEqual([
      [[`arn:aws:cloudwatch:${DEV.region}:${DEV.account}:alarm:web-latency`], 'web-latency'],
      [[`arn:aws:cloudwatch:${DEV.region}:${DEV.account}:alarm:web-5xx`], 'web-5xx'],
    ]);
    expect(alarms[0]).toMatchObject({
      source: 'aws.cloudwatch',
      account: DEV.account,
      region: DEV.region,
      detail: {
        state: { value: 'ALARM', reason: 'p99 over 2 s', timestamp: expect.stringMatching(/\+0000$/) },
        previousState: { value: 'OK', reason: 'seeded' },
      },
    });
    expect(alarms[1]?.detail).toMatchObject({
      state: { value: 'ALARM', reason: `deployment ${deploymentId} broke it` },
      previousState: { value: 'OK' },
    });
    // The alarm a rollout raises is set before the rollout is said to be complete.
    expect(events.at(-1)?.detail.eventName).toBe('SERVICE_DEPLOYMENT_COMPLETED');
  });

  it('never arrive while the lose-events fault holds, though the rollout completes', async () => {
    const seeded = await seedTarget(DEV);
    aws.scheduler().injectFault(DEV, { kind: 'lose-events' });
    const ecs = await ecsInDev();

    const deploymentId = await deployRevision2(ecs, seeded);
    let rolloutState: string | undefined;
    for (let look = 0; look < 10 && rolloutState !== 'COMPLETED'; look++) {
      const { services } = await ecs.send(
        new DescribeServicesCommand({ cluster: seeded.clusterArn, services: [seeded.serviceArn] }),
      );
      rolloutState = services?.[0]?.deployments?.find((d) => d.id === deploymentId)?.rolloutState;
    }

    expect(rolloutState).toBe('COMPLETED');
    expect(
      aws
        .scheduler()
        .events()
        .filter((e) => e.account === DEV.account && e.region === DEV.region),
    ).toEqual([]);
    expect(await queued()).toBe(0);
  });

  it('are forwarded by the rule seedTarget makes, to the bus of the orchestrator it is given', async () => {
    const elsewhere = { account: ORCHESTRATOR_ACCOUNT, region: 'eu-west-1' };
    const seeded = await seedTarget({ ...DEV, orchestrator: elsewhere });
    const ecs = await ecsInDev();

    await deployRevision2(ecs, seeded);
    for (let look = 0; look < 2; look++) {
      await ecs.send(new DescribeServicesCommand({ cluster: seeded.clusterArn, services: [seeded.serviceArn] }));
    }

    expect(
      aws
        .scheduler()
        .events()
        .map((e) => e.detail.eventName),
    ).toEqual(['SERVICE_DEPLOYMENT_IN_PROGRESS', 'SERVICE_DEPLOYMENT_COMPLETED']);
    expect(await queued()).toBe(0);
  });
});
