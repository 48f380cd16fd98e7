import { CloudWatchClient, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { defaultDocumentClient } from '../../aws/lease';
import { settings } from '../../aws/settings';
import type { WaitRecord } from '../../aws/target-waits';
import { awaitBake } from '../../functions/await-bake';
import { awaitRollout } from '../../functions/await-rollout';
import { resumeTargetWait } from '../../functions/resume-target-wait';
import { clientForAccount } from '../../local/accounts';
import { stepFunctionsRecorder } from '../support/browser';
import { useMoto } from '../support/moto';
import { target, targetDeployment, useWorkflows } from '../support/workflows';
import { seeded, startRollout } from './support';

const moto = useMoto();
useWorkflows();
const dev = target('222222222222', 'us-east-1');
const EXECUTION = 'arn:aws:states:us-east-1:111111111111:execution:crossdeploy-local-deploy-target:t1';
const NOW = new Date('2026-12-07T10:00:00Z');

// Rollouts move only when looked at: each test says exactly when the rollout ends.
beforeEach(() => moto.scheduler().setRolloutStepMs(3_600_000));

async function waits(): Promise<WaitRecord[]> {
  const db = defaultDocumentClient();
  const { Items = [] } = await db.send(new ScanCommand({ TableName: settings.waitsTable() }));
  return Items as WaitRecord[];
}

function ecsEvent(eventName: string, deploymentId: string) {
  return {
    source: 'aws.ecs',
    'detail-type': 'ECS Deployment State Change',
    account: dev.account,
    region: dev.region,
    resources: [`arn:aws:ecs:${dev.region}:${dev.account}:service/${dev.cluster}/${dev.service}`],
    detail: { eventType: 'INFO', eventName, deploymentId, reason: `ECS deployment ${deploymentId} ${eventName}.` },
  };
}

/**
 * A rollout started and its wait parked; `looksFirst` looks at the service once before, which finishes a
 * simulated rollout at the wait's own read (two looks finish one).
 */
async function rolloutParked(looksFirst = false) {
  await seeded(dev);
  const deployment = targetDeployment(dev);
  const { revision, progress } = await startRollout(deployment);
  if (looksFirst) {
    const ecs = clientForAccount(ECSClient, dev.account, dev.region);
    await ecs.send(new DescribeServicesCommand({ cluster: dev.cluster, services: [dev.service] }));
    ecs.destroy();
  }
  const recorder = stepFunctionsRecorder();
  const parked = await awaitRollout(
    {
      taskToken: 'token-1',
      executionArn: EXECUTION,
      target: dev,
      deployRole: deployment.deployment.deployRole,
      taskDefinitionArn: revision.taskDefinitionArn,
      progress,
    },
    { sfn: recorder.sfn, now: () => NOW },
  );
  return { parked, progress, recorder };
}

describe('await-rollout and resume-target-wait', () => {
  it('parks the token under the ECS deployment UpdateService started, and the COMPLETED event of it resumes the execution once', async () => {
    const { parked, progress, recorder } = await rolloutParked();
    expect(parked).toEqual({ parked: true });
    expect(progress.ecsDeploymentId).toMatch(/^ecs-svc\//);
    const [wait] = await waits();
    expect(wait).toMatchObject({ kind: 'rollout', status: 'pending', ecsDeploymentId: progress.ecsDeploymentId });

    const event = ecsEvent('SERVICE_DEPLOYMENT_COMPLETED', progress.ecsDeploymentId as string);
    const first = await resumeTargetWait(event, { sfn: recorder.sfn });
    const again = await resumeTargetWait(event, { sfn: recorder.sfn });

    expect(first.resumed).toEqual([EXECUTION]);
    expect(again.resumed).toEqual([]);
    expect(recorder.sent).toHaveLength(1);
    expect(recorder.sent[0]).toMatchObject({ command: 'SendTaskSuccess', input: { taskToken: 'token-1' } });
    expect(JSON.parse(recorder.sent[0]?.input.output as string)).toMatchObject({
      state: 'COMPLETED',
      bakeSecondsLeft: 90,
      bakeWaitSeconds: 90,
    });
  });

  it('ignores an older deployment of the same service, and IN_PROGRESS', async () => {
    const { progress, recorder } = await rolloutParked();

    await resumeTargetWait(ecsEvent('SERVICE_DEPLOYMENT_COMPLETED', 'ecs-svc/1'), { sfn: recorder.sfn });
    await resumeTargetWait(ecsEvent('SERVICE_DEPLOYMENT_IN_PROGRESS', progress.ecsDeploymentId as string), {
      sfn: recorder.sfn,
    });

    expect(recorder.sent).toEqual([]);
    expect((await waits())[0]?.status).toBe('pending');
  });

  it('ends the wait itself when the rollout had already ended as it parked', async () => {
    const { parked, recorder } = await rolloutParked(true);

    expect(parked).toEqual({ parked: false });
    expect(JSON.parse(recorder.sent[0]?.input.output as string)).toMatchObject({ state: 'COMPLETED' });
    expect((await waits())[0]).toMatchObject({ status: 'ended', endedBy: 'check' });
  });
});

describe('await-bake and resume-target-wait', () => {
  const bakeInput = (token: string) => ({
    taskToken: token,
    executionArn: EXECUTION,
    target: dev,
    deployRole: { name: 'crossdeploy-deploy' },
    health: { alarms: ['web-5xx'] },
    progress: {
      startedAt: NOW.toISOString(),
      rolloutChecksLeft: 1,
      state: 'COMPLETED',
      summary: 'done',
      bakeSecondsLeft: 90,
    },
  });

  it('ends the bake at the first ALARM of a watched alarm, with its name and reason', async () => {
    await seeded(dev);
    const recorder = stepFunctionsRecorder();
    expect(await awaitBake(bakeInput('token-3'), { sfn: recorder.sfn })).toEqual({ parked: true });

    const alarm = {
      source: 'aws.cloudwatch',
      'detail-type': 'CloudWatch Alarm State Change',
      account: dev.account,
      region: dev.region,
      resources: [`arn:aws:cloudwatch:${dev.region}:${dev.account}:alarm:web-5xx`],
      detail: { alarmName: 'web-5xx', state: { value: 'ALARM', reason: 'Threshold Crossed' } },
    };
    expect((await resumeTargetWait(alarm, { sfn: recorder.sfn })).resumed).toEqual([EXECUTION]);
    expect(JSON.parse(recorder.sent[0]?.input.output as string)).toMatchObject({
      state: 'UNHEALTHY',
      failure: { check: 'alarm', evidence: 'alarm web-5xx is ALARM: Threshold Crossed' },
    });
  });

  it('ends the bake at once when a watched alarm is already in ALARM, since CloudWatch would send no event', async () => {
    await seeded(dev);
    // Its event went by before the bake began: none reaches this test's wait.
    moto.scheduler().injectFault(dev, { kind: 'lose-events' });
    const cloudwatch = clientForAccount(CloudWatchClient, dev.account, dev.region);
    await cloudwatch.send(
      new SetAlarmStateCommand({ AlarmName: 'web-5xx', StateValue: 'ALARM', StateReason: 'raised during the rollout' }),
    );
    cloudwatch.destroy();
    const recorder = stepFunctionsRecorder();

    expect(await awaitBake(bakeInput('token-4'), { sfn: recorder.sfn })).toEqual({ parked: false });
    expect(JSON.parse(recorder.sent[0]?.input.output as string)).toMatchObject({
      state: 'UNHEALTHY',
      failure: { check: 'alarm', evidence: 'alarm web-5xx is ALARM: raised during the rollout' },
    });
  });
});
