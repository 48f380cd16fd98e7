import { describe, expect, it } from 'vitest';
import type { Progress } from '../../core/contracts';
import {
  bakeTurnTaken,
  rolloutEnded,
  SAFETY_NET_SECONDS,
  signalOf,
  type TargetWait,
  verdictFor,
  waitsStarted,
} from '../../core/target-waits';

const target = { account: '222222222222', region: 'eu-west-1', cluster: 'main', service: 'web', container: 'app' };
const progress: Progress = {
  startedAt: '2026-12-07T10:00:00.000Z',
  rolloutChecksLeft: 2,
  state: 'IN_PROGRESS',
  summary: 'updated',
  bakeSeconds: 600,
};
const rollout: TargetWait = { kind: 'rollout', target, ecsDeploymentId: 'ecs-svc/2', progress };
const bake: TargetWait = { kind: 'bake', target, alarms: ['web-5xx', 'web-latency'], progress };

function ecsEvent(eventName: string, overrides: { deploymentId?: string; account?: string; service?: string } = {}) {
  const account = overrides.account ?? target.account;
  return {
    source: 'aws.ecs',
    'detail-type': 'ECS Deployment State Change',
    account,
    region: target.region,
    resources: [`arn:aws:ecs:${target.region}:${account}:service/main/${overrides.service ?? 'web'}`],
    detail: {
      eventType: eventName.endsWith('FAILED') ? 'ERROR' : 'INFO',
      eventName,
      deploymentId: overrides.deploymentId ?? 'ecs-svc/2',
      reason: eventName.endsWith('FAILED') ? 'ECS deployment circuit breaker: tasks failed to start.' : 'done',
    },
  };
}

function alarmEvent(alarmName: string, value: string) {
  return {
    source: 'aws.cloudwatch',
    'detail-type': 'CloudWatch Alarm State Change',
    account: target.account,
    region: target.region,
    resources: [`arn:aws:cloudwatch:${target.region}:${target.account}:alarm:${alarmName}`],
    detail: { alarmName, state: { value, reason: 'Threshold Crossed: 5 datapoints were greater than 1.0' } },
  };
}

const verdict = (wait: TargetWait, event: unknown) => {
  const signal = signalOf(event);
  return signal === undefined ? undefined : verdictFor(wait, signal);
};

describe('what a forwarded event does to a wait', () => {
  it.each([
    [
      'ends a rollout on COMPLETED of its own deployment',
      rollout,
      ecsEvent('SERVICE_DEPLOYMENT_COMPLETED'),
      'COMPLETED',
    ],
    ['sends a rollout to read why on FAILED', rollout, ecsEvent('SERVICE_DEPLOYMENT_FAILED'), 'ECS_FAILED'],
    ['ignores IN_PROGRESS', rollout, ecsEvent('SERVICE_DEPLOYMENT_IN_PROGRESS'), undefined],
    [
      "ignores an older deployment's late event",
      rollout,
      ecsEvent('SERVICE_DEPLOYMENT_COMPLETED', { deploymentId: 'ecs-svc/1' }),
      undefined,
    ],
    ['ignores another service', rollout, ecsEvent('SERVICE_DEPLOYMENT_COMPLETED', { service: 'api' }), undefined],
    [
      'ignores another account',
      rollout,
      ecsEvent('SERVICE_DEPLOYMENT_COMPLETED', { account: '333333333333' }),
      undefined,
    ],
    ['ignores an ECS event during a bake', bake, ecsEvent('SERVICE_DEPLOYMENT_FAILED'), undefined],
    ['ends a bake when a watched alarm goes to ALARM', bake, alarmEvent('web-latency', 'ALARM'), 'UNHEALTHY'],
    ['ignores an alarm back to OK', bake, alarmEvent('web-5xx', 'OK'), undefined],
    ['ignores an alarm the environment does not watch', bake, alarmEvent('db-cpu', 'ALARM'), undefined],
    ['ignores an alarm during a rollout', rollout, alarmEvent('web-5xx', 'ALARM'), undefined],
    ['ignores what is neither', rollout, { source: 'crossdeploy', 'detail-type': 'Push', detail: {} }, undefined],
  ])('%s', (_, wait, event, state) => {
    expect(verdict(wait, event)?.state).toBe(state);
  });

  it("names the alarm and CloudWatch's reason as the bake's failure evidence", () => {
    expect(verdict(bake, alarmEvent('web-5xx', 'ALARM'))?.failure).toEqual({
      check: 'alarm',
      evidence: 'alarm web-5xx is ALARM: Threshold Crossed: 5 datapoints were greater than 1.0',
    });
  });

  it('takes a target that names its cluster by ARN', () => {
    const byArn = { ...rollout, target: { ...target, cluster: 'arn:aws:ecs:eu-west-1:222222222222:cluster/main' } };
    expect(verdict(byArn, ecsEvent('SERVICE_DEPLOYMENT_COMPLETED'))?.state).toBe('COMPLETED');
  });
});

describe('the waits’ clocks', () => {
  it('checks a 10-minute rollout once, at its end, and a 40-minute one every 15 minutes', () => {
    const started = { startedAt: progress.startedAt, ecsDeploymentId: 'ecs-svc/2', summary: 's' };
    const bakeOf = { checks: 20, intervalSeconds: 30 };
    expect(waitsStarted({ rollout: { checks: 40, intervalSeconds: 15 }, bake: bakeOf }, started)).toMatchObject({
      checkInSeconds: 600,
      rolloutChecksLeft: 1,
      bakeSeconds: 600,
      ecsDeploymentId: 'ecs-svc/2',
    });
    expect(waitsStarted({ rollout: { checks: 160, intervalSeconds: 15 }, bake: bakeOf }, started)).toMatchObject({
      checkInSeconds: SAFETY_NET_SECONDS,
      rolloutChecksLeft: 3,
    });
  });

  it('starts the bake with all of its time left when the rollout completes, and counts it down by the waits that ran out', () => {
    const completed = rolloutEnded({ ...progress, state: 'COMPLETED' });
    expect(completed).toMatchObject({ bakeSecondsLeft: 600, bakeWaitSeconds: 600 });
    expect(bakeTurnTaken(completed)).toEqual({ bakeSecondsLeft: 0, bakeWaitSeconds: 1 });
    expect(rolloutEnded(progress)).toBe(progress);
  });

  it('waits a long bake out in safety-net turns', () => {
    const long = rolloutEnded({ ...progress, state: 'COMPLETED', bakeSeconds: 2000 });
    expect(long.bakeWaitSeconds).toBe(SAFETY_NET_SECONDS);
    const second = { ...long, ...bakeTurnTaken(long) };
    expect(second).toMatchObject({ bakeSecondsLeft: 1100, bakeWaitSeconds: 900 });
    expect(bakeTurnTaken(second)).toEqual({ bakeSecondsLeft: 200, bakeWaitSeconds: 200 });
  });
});
