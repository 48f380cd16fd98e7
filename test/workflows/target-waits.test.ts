import { CloudWatchClient, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { defaultDocumentClient } from '../../aws/lease';
import { settings } from '../../aws/settings';
import type { WaitRecord } from '../../aws/target-waits';
import { clientForAccount } from '../../local/accounts';
import type { ExecutionRecord } from '../../local/step-functions';
import { useMoto } from '../support/moto';
import { live, ORCHESTRATOR, seed, seedPullGrant, target, targetDeployment, useWorkflows } from '../support/workflows';

const moto = useMoto();
const engine = useWorkflows();
const dev = target('222222222222', 'us-east-1');

const entered = (execution: ExecutionRecord) =>
  execution.history.filter((e) => e.type === 'StateEntered').map((e) => e.state);
const failedStates = (execution: ExecutionRecord) =>
  execution.history.filter((e) => e.type === 'StateFailed' || e.error).map((e) => `${e.state}:${e.error}`);

async function waits(): Promise<WaitRecord[]> {
  const { Items = [] } = await defaultDocumentClient().send(new ScanCommand({ TableName: settings.waitsTable() }));
  return (Items as WaitRecord[]).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

/** Resolves once resume-target-wait has taken every forwarded event off its queue. */
async function eventsHandled(): Promise<void> {
  const sqs = new SQSClient({ region: ORCHESTRATOR.region, useQueueUrlAsEndpoint: false });
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'crossdeploy-target-waits' }));
  for (;;) {
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    if (Attributes.ApproximateNumberOfMessages === '0' && Attributes.ApproximateNumberOfMessagesNotVisible === '0')
      break;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  sqs.destroy();
}

/** Resolves once the execution has entered `state`. */
async function reaches(execution: ExecutionRecord, state: string): Promise<void> {
  while (!entered(execution).includes(state)) {
    if (execution.status !== 'RUNNING') throw new Error(`${execution.name} ended ${execution.status} before ${state}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function deploy(overrides: Parameters<typeof targetDeployment>[1] = {}) {
  await seed([dev]);
  await seedPullGrant([dev]);
  return engine().start('deploy-target', targetDeployment(dev, overrides));
}

/** An ECS deployment event on the target's own bus, as ECS would put it; forwarded like any other. */
async function ecsEvent(eventName: string, deploymentId: string) {
  const events = clientForAccount(EventBridgeClient, dev.account, dev.region);
  await events.send(
    new PutEventsCommand({
      Entries: [
        {
          Source: 'aws.ecs',
          DetailType: 'ECS Deployment State Change',
          Resources: [`arn:aws:ecs:${dev.region}:${dev.account}:service/${dev.cluster}/${dev.service}`],
          Detail: JSON.stringify({ eventType: 'INFO', eventName, deploymentId, reason: 'sent by the test' }),
        },
      ],
    }),
  );
  events.destroy();
}

describe('deploy-target waits on its target’s events', () => {
  it('moves on when ECS says the rollout completed, with no check of its own, and bakes', async () => {
    // A rollout slow enough that the wait is parked well before ECS completes it.
    moto.scheduler().setRolloutStepMs(500);
    const execution = await engine().finished((await deploy()).executionArn);

    expect(execution.status).toBe('SUCCEEDED');
    expect(entered(execution)).toEqual([
      'Assume deploy role in target account',
      'Check image in target region',
      'Is the image in the target region?',
      'Does the service come from a template?',
      'Register task definition revision',
      'Record deployment in ledger',
      'Update service in target account',
      'Wait for ECS to finish the rollout',
      'Is the rollout done?',
      'Bake with alarms watched',
      'Check health during bake',
      'Is the bake over?',
      'Record success in ledger',
      'Deployment succeeded',
    ]);
    expect((await waits()).map((w) => [w.kind, w.status, w.endedBy])).toEqual([
      ['rollout', 'ended', 'event'],
      ['bake', 'pending', undefined],
    ]);
    expect((await live(dev)).revision).toBe(2);
  });

  it("rolls back when ECS says the deployment failed, with the circuit breaker's reason and what the service shows", async () => {
    moto.scheduler().injectFault(dev, { kind: 'circuit-breaker' });
    moto.scheduler().setRolloutStepMs(300);
    const execution = await engine().finished((await deploy()).executionArn);

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('DeploymentRolledBack');
    expect(execution.cause).toContain('ECS deployment circuit breaker');
    expect(execution.cause).toContain('rolling back to deployment');
    expect(entered(execution)).toContain('Check rollout');
    expect((await waits())[0]).toMatchObject({ kind: 'rollout', endedBy: 'event', state: 'ECS_FAILED' });
    expect((await live(dev)).revision).toBe(1);
  });

  it('ends the bake the moment a watched alarm goes to ALARM, long before the bake is over, and rolls back', async () => {
    // A 10-hour bake: 3 minutes of the tests' time, cut short by the alarm.
    const started = await deploy({ bake: { intervalSeconds: 30, checks: 1200 } });
    await reaches(started, 'Bake with alarms watched');
    while ((await waits()).filter((w) => w.kind === 'bake').length === 0) await new Promise((r) => setTimeout(r, 5));
    const cloudwatch = clientForAccount(CloudWatchClient, dev.account, dev.region);
    await cloudwatch.send(
      new SetAlarmStateCommand({ AlarmName: 'web-5xx', StateValue: 'ALARM', StateReason: '5xx above 5% for 1 minute' }),
    );
    cloudwatch.destroy();
    const execution = await engine().finished(started.executionArn);

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('DeploymentRolledBack');
    expect(execution.cause).toContain('alarm web-5xx is ALARM: 5xx above 5% for 1 minute');
    expect(entered(execution)).not.toContain('Check health during bake');
    expect((await waits()).find((w) => w.kind === 'bake')).toMatchObject({ endedBy: 'event', state: 'UNHEALTHY' });
    expect((await live(dev)).revision).toBe(1);
  });

  it('catches a lost event with the safety net: one check when the heartbeat runs out, then on', async () => {
    moto.scheduler().injectFault(dev, { kind: 'lose-events' });
    // Done in 0.3 s, well after the wait parked and well before its 0.75-second heartbeat runs out.
    moto.scheduler().setRolloutStepMs(300);
    const execution = await engine().finished((await deploy()).executionArn);

    expect(execution.status).toBe('SUCCEEDED');
    expect(failedStates(execution)).toContain('Wait for ECS to finish the rollout:States.HeartbeatTimeout');
    expect(entered(execution).filter((s) => s === 'Check rollout')).toHaveLength(1);
    expect((await waits())[0]).toMatchObject({ kind: 'rollout', status: 'pending' });
  });

  it('keeps waiting through an older deployment’s late event and a duplicate, and succeeds once', async () => {
    moto.scheduler().injectFault(dev, { kind: 'stuck' });
    const started = await deploy({ rollout: { intervalSeconds: 15, checks: 240 } });
    await reaches(started, 'Wait for ECS to finish the rollout');
    while ((await waits()).length === 0) await new Promise((r) => setTimeout(r, 5));
    const [wait] = await waits();

    await ecsEvent('SERVICE_DEPLOYMENT_COMPLETED', 'ecs-svc/1');
    await ecsEvent('SERVICE_DEPLOYMENT_IN_PROGRESS', wait?.kind === 'rollout' ? wait.ecsDeploymentId : '');
    await eventsHandled();
    expect(started.status).toBe('RUNNING');
    expect((await waits())[0]?.status).toBe('pending');
    moto.scheduler().clearFaults();
    const execution = await engine().finished(started.executionArn);
    // ECS's own COMPLETED came once the rollout went on; the same event again finds no wait.
    const completed = moto
      .scheduler()
      .events()
      .filter((e) => e.detail.eventName === 'SERVICE_DEPLOYMENT_COMPLETED');
    await ecsEvent('SERVICE_DEPLOYMENT_COMPLETED', String(completed[0]?.detail.deploymentId));

    expect(execution.status).toBe('SUCCEEDED');
    expect(entered(execution).filter((s) => s === 'Wait for ECS to finish the rollout')).toHaveLength(1);
    expect((await waits())[0]).toMatchObject({ status: 'ended', endedBy: 'event' });
  });
});
