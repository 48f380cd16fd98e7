// What a bake reads in a target, for an ECS service's and a stack's alike: the environment's alarms, and its probe.

import { type CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { awsCall } from '../../aws/transient';
import type { AlarmSnapshot } from '../../core/health';

export type Probe = (url: string) => Promise<{ status?: number; error?: string }>;

const PROBE_TIMEOUT_MS = 5_000;

/** One GET that follows no redirect: a redirect to a login page is not health. */
export const httpProbe: Probe = async (url) => {
  try {
    const response = await fetch(url, {
      method: 'GET',
      redirect: 'manual',
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    });
    return { status: response.status };
  } catch (error) {
    return { error: (error as Error).message };
  }
};

/** The named alarms, metric and composite; a name that is not among them does not exist there. */
export async function readAlarms(
  cloudwatch: Pick<CloudWatchClient, 'send'>,
  where: string,
  names: string[],
): Promise<AlarmSnapshot[]> {
  if (names.length === 0) return [];
  const answer = await awsCall(`cloudwatch:DescribeAlarms ${where}`, () =>
    cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: names, AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] })),
  );
  return [...(answer.MetricAlarms ?? []), ...(answer.CompositeAlarms ?? [])];
}

/** The probe's answer with its URL, or nothing where the environment names no probe. */
export async function probeOnce(probe: Probe, url: string | undefined) {
  return url ? { url, ...(await probe(url)) } : undefined;
}
