import { CloudWatchClient, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { describe, expect, it } from 'vitest';
import { targetClientFactory } from '../../aws/target-clients';
import type { DeployTarget, Progress } from '../../core/contracts';
import { checkHealth } from '../../functions/check-health';
import type { Probe } from '../../functions/lib/health-reads';
import { clientForAccount } from '../../local/accounts';
import { useMoto } from '../support/moto';
import { target, targetDeployment, useWorkflows } from '../support/workflows';
import { seeded, startRollout } from './support';

useMoto();
useWorkflows();
const dev = target('222222222222', 'us-east-1');

const PROGRESS: Progress = {
  startedAt: '2030-01-02T03:04:05.000Z',
  rolloutChecksLeft: 8,
  state: 'COMPLETED',
  summary: 'rolled out',
  // A 20-minute bake, 15 minutes of it waited out: 5 left, to wait out next.
  bakeSeconds: 1200,
  bakeSecondsLeft: 1200,
  bakeWaitSeconds: 900,
};

/** One bake check of the seeded service, which runs `taskDefinitionArn` steadily. */
function bake(
  taskDefinitionArn: string,
  health: { alarms: string[]; probeUrl?: string },
  probe?: Probe,
  t: DeployTarget = dev,
) {
  const event = {
    target: t,
    deployRole: { name: 'crossdeploy-deploy' },
    taskDefinitionArn,
    health,
    progress: PROGRESS,
  };
  return probe ? checkHealth(event, targetClientFactory(), probe) : checkHealth(event);
}

async function setAlarm(name: string, state: 'OK' | 'ALARM', reason: string) {
  const cloudwatch = clientForAccount(CloudWatchClient, dev.account, dev.region);
  try {
    await cloudwatch.send(new SetAlarmStateCommand({ AlarmName: name, StateValue: state, StateReason: reason }));
  } finally {
    cloudwatch.destroy();
  }
}

describe('check-health step (checkHealth)', () => {
  it('is HEALTHY while the alarm is OK and the service runs the revision steadily', async () => {
    const { taskDefinitionArn } = await seeded(dev);

    const result = await bake(taskDefinitionArn, { alarms: ['web-5xx'] });

    expect(result).toEqual({
      ...PROGRESS,
      bakeSecondsLeft: 300,
      bakeWaitSeconds: 300,
      state: 'HEALTHY',
      summary: `healthy: 1 alarms OK, steady on ${taskDefinitionArn}`,
    });
  });

  it('is UNHEALTHY with an alarm failure naming the alarm and its reason when the alarm is in ALARM', async () => {
    const { taskDefinitionArn } = await seeded(dev);
    await setAlarm('web-5xx', 'ALARM', '5xx rate above 5% for 1 minute');

    const result = await bake(taskDefinitionArn, { alarms: ['web-5xx'] });

    expect(result.state).toBe('UNHEALTHY');
    expect(result.failure).toEqual({
      check: 'alarm',
      evidence: 'alarm web-5xx is ALARM: 5xx rate above 5% for 1 minute',
    });
  });

  it('is UNHEALTHY, not healthy by default, when a named alarm does not exist in the target', async () => {
    const { taskDefinitionArn } = await seeded(dev);

    const result = await bake(taskDefinitionArn, { alarms: ['web-5xx', 'web-latency'] });

    expect(result.state).toBe('UNHEALTHY');
    expect(result.failure?.check).toBe('alarm');
    expect(result.failure?.evidence).toContain('alarm web-latency is missing');
    expect(result.failure?.evidence).not.toContain('web-5xx');
  });

  it('is UNHEALTHY with a probe failure naming the URL and status when the probe answers 503', async () => {
    const { taskDefinitionArn } = await seeded(dev);
    const probed: string[] = [];
    const probe: Probe = async (url) => {
      probed.push(url);
      return { status: 503 };
    };

    const result = await bake(
      taskDefinitionArn,
      { alarms: ['web-5xx'], probeUrl: 'https://web.dev.example/health' },
      probe,
    );

    expect(probed).toEqual(['https://web.dev.example/health']);
    expect(result.state).toBe('UNHEALTHY');
    expect(result.failure).toEqual({ check: 'probe', evidence: 'https://web.dev.example/health answered 503' });
  });

  it('is UNHEALTHY with a probe failure carrying the error when the probe cannot connect', async () => {
    const { taskDefinitionArn } = await seeded(dev);
    const probe: Probe = async () => ({ error: 'connect ECONNREFUSED 10.0.0.1:443' });

    const result = await bake(taskDefinitionArn, { alarms: [], probeUrl: 'https://web.dev.example/health' }, probe);

    expect(result.failure).toEqual({
      check: 'probe',
      evidence: 'https://web.dev.example/health failed: connect ECONNREFUSED 10.0.0.1:443',
    });
  });

  it('is HEALTHY when the probe answers 200, and says so in the summary', async () => {
    const { taskDefinitionArn } = await seeded(dev);
    const probe: Probe = async () => ({ status: 200 });

    const result = await bake(
      taskDefinitionArn,
      { alarms: ['web-5xx'], probeUrl: 'https://web.dev.example/health' },
      probe,
    );

    expect(result.state).toBe('HEALTHY');
    expect(result.summary).toContain('https://web.dev.example/health answered 200');
  });

  it('is UNHEALTHY with a steady-state failure while the rollout of the revision is still running', async () => {
    await seeded(dev);
    const { revision } = await startRollout(targetDeployment(dev));

    const result = await bake(revision.taskDefinitionArn, { alarms: ['web-5xx'] });

    expect(result.state).toBe('UNHEALTHY');
    expect(result.failure?.check).toBe('steady-state');
  });

  it('fails with ServiceNotFound when the service is gone', async () => {
    const { taskDefinitionArn } = await seeded(dev);

    await expect(
      bake(taskDefinitionArn, { alarms: ['web-5xx'] }, undefined, { ...dev, service: 'api' }),
    ).rejects.toMatchObject({
      name: 'ServiceNotFound',
    });
  });
});
