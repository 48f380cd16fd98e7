import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { z } from 'zod';
import { describeService } from '../aws/ecs-service';
import { type TargetClientFactory, targetClientFactory } from '../aws/target-clients';
import { awsCall } from '../aws/transient';
import { deployRole, deployTarget, healthChecks, type Progress, progress } from '../core/contracts';
import { healthVerdict } from '../core/health';
import { lambdaStep } from './lib/lambda-step';
import { logger } from './lib/powertools';

const input = z.object({
  target: deployTarget,
  deployRole,
  taskDefinitionArn: z.string().min(1),
  health: healthChecks,
  progress,
});

export type Probe = (url: string) => Promise<{ status?: number; error?: string }>;

const PROBE_TIMEOUT_MS = 5_000;

const httpProbe: Probe = async (url) => {
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

/** One iteration of the bake: the alarms stay out of ALARM, the service stays steady, the probe answers. */
export async function checkHealth(
  event: z.infer<typeof input>,
  clients: TargetClientFactory = targetClientFactory(),
  probe: Probe = httpProbe,
): Promise<Progress> {
  const { target, health } = event;
  const { ecs, cloudwatch } = clients(target, event.deployRole);
  const where = `${target.account}/${target.region}`;
  const [alarms, service, probed] = await Promise.all([
    health.alarms.length === 0
      ? Promise.resolve([])
      : awsCall(`cloudwatch:DescribeAlarms ${where}`, () =>
          cloudwatch.send(
            new DescribeAlarmsCommand({ AlarmNames: health.alarms, AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] }),
          ),
        ).then((a) => [...(a.MetricAlarms ?? []), ...(a.CompositeAlarms ?? [])]),
    describeService(ecs, target),
    health.probeUrl ? probe(health.probeUrl).then((r) => ({ url: health.probeUrl as string, ...r })) : undefined,
  ]);
  const verdict = healthVerdict({
    expectedAlarms: health.alarms,
    alarms,
    service,
    taskDefinitionArn: event.taskDefinitionArn,
    ...(probed ? { probe: probed } : {}),
  });
  const bakeChecksLeft = event.progress.bakeChecksLeft - 1;
  logger.info('bake check', { where, state: verdict.state, summary: verdict.summary, bakeChecksLeft });
  const next: Progress = { ...event.progress, bakeChecksLeft, state: verdict.state, summary: verdict.summary };
  delete next.failure;
  return verdict.failure ? { ...next, failure: verdict.failure } : next;
}

export const handler = lambdaStep('check-health', input, (event) => checkHealth(event));
