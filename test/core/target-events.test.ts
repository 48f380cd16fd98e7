import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeTargetEvent } from '../../core/target-events';

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../fixtures/events/${name}`, import.meta.url), 'utf8'));

describe('decodeTargetEvent', () => {
  it.each([
    {
      name: 'ecs-deployment-failed.json',
      alert: {
        source: 'aws.ecs',
        what: 'ECS deployment failed',
        account: '333333333333',
        region: 'eu-west-1',
        resource: 'demo/web',
        reason: 'ECS deployment circuit breaker: task failed to start.',
        at: '2030-01-02T03:14:01Z',
      },
    },
    {
      name: 'cloudwatch-alarm-alarm.json',
      alert: {
        source: 'aws.cloudwatch',
        what: 'Alarm web-5xx in ALARM',
        account: '333333333333',
        region: 'eu-west-1',
        resource: 'web-5xx',
        reason:
          'Threshold Crossed: 1 out of the last 1 datapoints [42.0 (02/01/30 03:11:00)] was greater than the ' +
          'threshold (10.0) (minimum 1 datapoint for OK -> ALARM transition).',
        at: '2030-01-02T03:12:40.985+0000',
      },
    },
    { name: 'ecs-deployment-in-progress.json', alert: null },
    { name: 'ecs-deployment-completed.json', alert: null },
    { name: 'cloudwatch-alarm-ok.json', alert: null },
  ])('$name → $alert', ({ name, alert }) => {
    expect(decodeTargetEvent(fixture(name))).toEqual(alert);
  });

  it('reports a rolled-back or any other ERROR deployment event, and ignores INSUFFICIENT_DATA', () => {
    const ecs = fixture('ecs-deployment-failed.json');
    const withDetail = (detail: object) => ({ ...ecs, detail: { ...(ecs.detail as object), ...detail } });
    const alarm = fixture('cloudwatch-alarm-alarm.json');
    const alarmDetail = alarm.detail as { state: object };

    expect(
      decodeTargetEvent(withDetail({ eventName: 'SERVICE_DEPLOYMENT_ROLLED_BACK', eventType: 'INFO' }))?.what,
    ).toBe('ECS deployment rolled back');
    expect(decodeTargetEvent(withDetail({ eventName: 'SERVICE_TASK_PLACEMENT_FAILURE' }))?.what).toBe(
      'ECS SERVICE_TASK_PLACEMENT_FAILURE',
    );
    expect(
      decodeTargetEvent({
        ...alarm,
        detail: { ...alarmDetail, state: { ...alarmDetail.state, value: 'INSUFFICIENT_DATA' } },
      }),
    ).toBeNull();
  });

  it('takes account and region from the resource ARN, or from the envelope when there is none', () => {
    const { account: _, ...withoutAccount } = fixture('ecs-deployment-failed.json');
    const alarm = fixture('cloudwatch-alarm-alarm.json');

    expect(decodeTargetEvent({ ...withoutAccount, region: 'us-east-1' })).toMatchObject({
      account: '333333333333',
      region: 'eu-west-1',
    });
    expect(decodeTargetEvent({ ...alarm, resources: [] })).toMatchObject({
      account: '333333333333',
      region: 'eu-west-1',
      resource: 'web-5xx',
    });
  });

  it('ignores what is not a forwarded ECS deployment or alarm event', () => {
    const ecs = fixture('ecs-deployment-failed.json');

    expect(decodeTargetEvent({ ...ecs, 'detail-type': 'ECS Task State Change' })).toBeNull();
    expect(decodeTargetEvent({ ...ecs, source: 'crossdeploy' })).toBeNull();
    expect(decodeTargetEvent({ ...ecs, detail: { eventType: 'ERROR' } })).toBeNull();
    expect(decodeTargetEvent('not an event')).toBeNull();
  });
});
