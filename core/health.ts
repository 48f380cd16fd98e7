// The bake verdict. A deployment passes only on what it can see: an alarm that does not exist is a
// failure, not a pass, so a typo in the map cannot turn the health check off.

import type { FailureEvidence, HealthVerdict } from './contracts';
import { type ServiceSnapshot, steadyStateProblem } from './rollout';

/** The fields of a CloudWatch `MetricAlarm` / `CompositeAlarm` (DescribeAlarms) read here. */
export interface AlarmSnapshot {
  AlarmName?: string;
  StateValue?: string;
  StateReason?: string;
}

export function healthVerdict(input: {
  expectedAlarms: string[];
  alarms: AlarmSnapshot[];
  service: ServiceSnapshot;
  taskDefinitionArn: string;
  probe?: { url: string; status?: number; error?: string };
}): HealthVerdict {
  const alarmProblems = [...new Set(input.expectedAlarms)].flatMap((name) => {
    const alarm = input.alarms.find((a) => a.AlarmName === name);
    if (alarm === undefined) return [`alarm ${name} is missing: it does not exist in this account and region`];
    // INSUFFICIENT_DATA is where every new alarm starts, so it does not fail a deployment.
    return alarm.StateValue === 'ALARM' ? [`alarm ${name} is ALARM: ${alarm.StateReason ?? 'no reason given'}`] : [];
  });
  if (alarmProblems.length > 0) return unhealthy({ check: 'alarm', evidence: alarmProblems.join('; ') });

  const unsteady = steadyStateProblem(input.service, input.taskDefinitionArn);
  if (unsteady !== undefined) return unhealthy({ check: 'steady-state', evidence: unsteady });

  const { probe } = input;
  if (probe !== undefined) {
    if (probe.error !== undefined)
      return unhealthy({ check: 'probe', evidence: `${probe.url} failed: ${probe.error}` });
    if (probe.status === undefined || probe.status < 200 || probe.status >= 400) {
      return unhealthy({ check: 'probe', evidence: `${probe.url} answered ${probe.status ?? 'nothing'}` });
    }
  }

  const alarms = input.expectedAlarms.length === 0 ? 'no alarms' : `${new Set(input.expectedAlarms).size} alarms OK`;
  const probed = probe === undefined ? '' : `, ${probe.url} answered ${probe.status}`;
  return { state: 'HEALTHY', summary: `healthy: ${alarms}, steady on ${input.taskDefinitionArn}${probed}` };
}

function unhealthy(failure: FailureEvidence): HealthVerdict {
  return { state: 'UNHEALTHY', failure, summary: `unhealthy (${failure.check}): ${failure.evidence}` };
}
