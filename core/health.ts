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
  const alarms = alarmFailure(input.expectedAlarms, input.alarms);
  if (alarms !== undefined) return unhealthy(alarms);

  const unsteady = steadyStateProblem(input.service, input.taskDefinitionArn);
  if (unsteady !== undefined) return unhealthy({ check: 'steady-state', evidence: unsteady });

  const probed = probeFailure(input.probe);
  if (probed !== undefined) return unhealthy(probed);

  return {
    state: 'HEALTHY',
    summary: healthySummary(input.expectedAlarms, `steady on ${input.taskDefinitionArn}`, input.probe),
  };
}

/**
 * A stack's bake: its environment's alarms stay out of ALARM and its probe answers. What the stack runs has no
 * steady state of its own to watch; CloudFormation already said every resource was created.
 */
export function stackHealthVerdict(input: {
  expectedAlarms: string[];
  alarms: AlarmSnapshot[];
  stackName: string;
  probe?: { url: string; status?: number; error?: string };
}): HealthVerdict {
  const failure = alarmFailure(input.expectedAlarms, input.alarms) ?? probeFailure(input.probe);
  if (failure !== undefined) return unhealthy(failure);
  return { state: 'HEALTHY', summary: healthySummary(input.expectedAlarms, `stack ${input.stackName}`, input.probe) };
}

/** What is wrong with the alarms alone: one missing, or in ALARM. Undefined when they are all fine. */
export function alarmFailure(expected: string[], alarms: AlarmSnapshot[]): FailureEvidence | undefined {
  const problems = [...new Set(expected)].flatMap((name) => {
    const alarm = alarms.find((a) => a.AlarmName === name);
    if (alarm === undefined) return [`alarm ${name} is missing: it does not exist in this account and region`];
    // INSUFFICIENT_DATA is where every new alarm starts, so it does not fail a deployment.
    return alarm.StateValue === 'ALARM' ? [`alarm ${name} is ALARM: ${alarm.StateReason ?? 'no reason given'}`] : [];
  });
  return problems.length > 0 ? { check: 'alarm', evidence: problems.join('; ') } : undefined;
}

function probeFailure(
  probe: { url: string; status?: number; error?: string } | undefined,
): FailureEvidence | undefined {
  if (probe === undefined) return undefined;
  if (probe.error !== undefined) return { check: 'probe', evidence: `${probe.url} failed: ${probe.error}` };
  if (probe.status === undefined || probe.status < 200 || probe.status >= 400) {
    return { check: 'probe', evidence: `${probe.url} answered ${probe.status ?? 'nothing'}` };
  }
  return undefined;
}

function healthySummary(
  expectedAlarms: string[],
  what: string,
  probe: { url: string; status?: number } | undefined,
): string {
  const alarms = expectedAlarms.length === 0 ? 'no alarms' : `${new Set(expectedAlarms).size} alarms OK`;
  const probed = probe === undefined ? '' : `, ${probe.url} answered ${probe.status}`;
  return `healthy: ${alarms}, ${what}${probed}`;
}

export function unhealthy(failure: FailureEvidence): HealthVerdict {
  return { state: 'UNHEALTHY', failure, summary: `unhealthy (${failure.check}): ${failure.evidence}` };
}
