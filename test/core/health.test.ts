import { describe, expect, it } from 'vitest';
import type { FailureEvidence, HealthState } from '../../core/contracts';
import { type AlarmSnapshot, healthVerdict } from '../../core/health';
import type { ServiceSnapshot } from '../../core/rollout';
import completed from '../fixtures/aws/describe-services-completed.json';
import inProgress from '../fixtures/aws/describe-services-in-progress.json';

const WEB_8 = 'arn:aws:ecs:eu-west-1:222222222222:task-definition/web:8';
const URL = 'https://web.prod.example.com/healthz';
const EXPECTED = ['prod-web-5xx', 'prod-web-p99-latency'];

const steady = completed.services[0] as ServiceSnapshot;
const rollingOut = inProgress.services[0] as ServiceSnapshot;
const ok = (AlarmName: string): AlarmSnapshot => ({
  AlarmName,
  StateValue: 'OK',
  StateReason:
    'Threshold Crossed: 3 datapoints [0.0 (14/05/24 10:20:00), 0.0, 0.0] were not greater than the threshold (5.0).',
});
const firing: AlarmSnapshot = {
  AlarmName: 'prod-web-5xx',
  StateValue: 'ALARM',
  StateReason:
    'Threshold Crossed: 1 out of the last 1 datapoints [27.0 (14/05/24 10:21:00)] was greater than the threshold (5.0).',
};
const fresh: AlarmSnapshot = {
  AlarmName: 'prod-web-p99-latency',
  StateValue: 'INSUFFICIENT_DATA',
  StateReason: 'Unchecked: Initial alarm creation',
};

type Case = {
  name: string;
  expectedAlarms?: string[];
  alarms?: AlarmSnapshot[];
  service?: ServiceSnapshot;
  probe?: { url: string; status?: number; error?: string };
  state: HealthState;
  failure?: FailureEvidence;
};

describe('healthVerdict', () => {
  it.each<Case>([
    { name: 'is healthy when the alarms are OK and the service is steady', state: 'HEALTHY' },
    { name: 'is healthy without alarms to watch', expectedAlarms: [], alarms: [], state: 'HEALTHY' },
    { name: 'is healthy while a new alarm has no data yet', alarms: [ok('prod-web-5xx'), fresh], state: 'HEALTHY' },
    {
      name: 'is unhealthy when an expected alarm fires, quoting its reason',
      alarms: [firing, ok('prod-web-p99-latency')],
      state: 'UNHEALTHY',
      failure: { check: 'alarm', evidence: `alarm prod-web-5xx is ALARM: ${firing.StateReason}` },
    },
    {
      name: 'is unhealthy when an expected alarm does not exist',
      alarms: [ok('prod-web-5xx')],
      state: 'UNHEALTHY',
      failure: {
        check: 'alarm',
        evidence: 'alarm prod-web-p99-latency is missing: it does not exist in this account and region',
      },
    },
    {
      name: 'ignores alarms firing that the deployment does not watch',
      alarms: [ok('prod-web-5xx'), ok('prod-web-p99-latency'), { ...firing, AlarmName: 'prod-batch-errors' }],
      state: 'HEALTHY',
    },
    {
      name: 'reports alarms before an unsteady service',
      alarms: [firing, ok('prod-web-p99-latency')],
      service: rollingOut,
      state: 'UNHEALTHY',
      failure: expect.objectContaining({ check: 'alarm' }),
    },
    {
      name: 'is unhealthy when the service is not steady on the revision',
      service: rollingOut,
      state: 'UNHEALTHY',
      failure: { check: 'steady-state', evidence: '2/3 running, 1 pending (rollout IN_PROGRESS) on web:8' },
    },
    { name: 'is healthy when the probe answers 200', probe: { url: URL, status: 200 }, state: 'HEALTHY' },
    { name: 'is healthy when the probe is redirected', probe: { url: URL, status: 302 }, state: 'HEALTHY' },
    {
      name: 'is unhealthy when the probe answers 503',
      probe: { url: URL, status: 503 },
      state: 'UNHEALTHY',
      failure: { check: 'probe', evidence: `${URL} answered 503` },
    },
    {
      name: 'is unhealthy when the probe cannot connect',
      probe: { url: URL, error: 'connect ECONNREFUSED 10.0.3.17:443' },
      state: 'UNHEALTHY',
      failure: { check: 'probe', evidence: `${URL} failed: connect ECONNREFUSED 10.0.3.17:443` },
    },
    {
      name: 'is unhealthy when the probe got no answer',
      probe: { url: URL },
      state: 'UNHEALTHY',
      failure: { check: 'probe', evidence: `${URL} answered nothing` },
    },
  ])('$name', ({ expectedAlarms = EXPECTED, alarms = EXPECTED.map(ok), service = steady, probe, state, failure }) => {
    const verdict = healthVerdict({
      expectedAlarms,
      alarms,
      service,
      taskDefinitionArn: WEB_8,
      ...(probe ? { probe } : {}),
    });

    expect(verdict.state).toBe(state);
    expect(verdict.failure).toEqual(failure);
  });

  it('summarises a healthy check in one line', () => {
    const verdict = healthVerdict({
      expectedAlarms: EXPECTED,
      alarms: EXPECTED.map(ok),
      service: steady,
      taskDefinitionArn: WEB_8,
      probe: { url: URL, status: 200 },
    });

    expect(verdict.summary).toBe(`healthy: 2 alarms OK, steady on ${WEB_8}, ${URL} answered 200`);
  });

  it('summarises an unhealthy check with its evidence', () => {
    const verdict = healthVerdict({
      expectedAlarms: ['prod-web-5xx'],
      alarms: [firing],
      service: steady,
      taskDefinitionArn: WEB_8,
    });

    expect(verdict.summary).toBe(`unhealthy (alarm): alarm prod-web-5xx is ALARM: ${firing.StateReason}`);
  });
});
