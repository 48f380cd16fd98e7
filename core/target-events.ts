// What a target account's own events say when something goes wrong there: ECS deployments and CloudWatch
// alarms, forwarded to crossdeploy's bus. The schemas are the shape of those events wherever crossdeploy reads them.

import { z } from 'zod';
import { oneLine } from './failure';

/** A target account's own event worth telling someone about: an ECS deployment that failed, an alarm. */
export interface TargetAlert {
  source: 'aws.ecs' | 'aws.cloudwatch';
  /** What happened, in a few words: `ECS deployment failed`, `Alarm web-5xx in ALARM`. */
  what: string;
  account: string;
  region: string;
  /** `cluster/service` for ECS, the alarm's name for CloudWatch. */
  resource: string;
  reason: string;
  at: string;
}

/** An event as a target account's rule forwards it to crossdeploy's bus. */
export const forwardedEnvelope = z.object({
  source: z.string(),
  'detail-type': z.string(),
  account: z.string().optional(),
  region: z.string().optional(),
  time: z.string().optional(),
  resources: z.array(z.string()).optional(),
  detail: z.record(z.string(), z.unknown()),
});

/** The detail of an "ECS Deployment State Change" event. */
export const ecsDeployment = z.object({
  eventType: z.string().optional(),
  eventName: z.string(),
  deploymentId: z.string().optional(),
  updatedAt: z.string().optional(),
  reason: z.string().optional(),
});

/** The detail of a "CloudWatch Alarm State Change" event. */
export const alarmChange = z.object({
  alarmName: z.string().optional(),
  state: z.object({ value: z.string(), reason: z.string().optional(), timestamp: z.string().optional() }),
});

/** ECS deployment events that mean something went wrong; IN_PROGRESS and COMPLETED are a rollout's routine. */
const ECS_TROUBLE: Record<string, string> = {
  SERVICE_DEPLOYMENT_FAILED: 'ECS deployment failed',
  SERVICE_DEPLOYMENT_ROLLED_BACK: 'ECS deployment rolled back',
};

/**
 * A forwarded `aws.ecs` "ECS Deployment State Change" or `aws.cloudwatch` "CloudWatch Alarm State Change"
 * as an alert, or null when it is routine (a rollout in progress or completed, an alarm back to OK) or not
 * one of these events at all.
 */
export function decodeTargetEvent(event: unknown): TargetAlert | null {
  const envelope = forwardedEnvelope.safeParse(event);
  if (!envelope.success) return null;
  const { source, time, resources = [], detail } = envelope.data;
  const detailType = envelope.data['detail-type'];
  const where = (arn: string | undefined) => whereOf(arn, envelope.data);

  if (source === 'aws.ecs' && detailType === 'ECS Deployment State Change') {
    const ecs = ecsDeployment.safeParse(detail);
    if (!ecs.success) return null;
    const { eventName, eventType, reason, updatedAt, deploymentId } = ecs.data;
    const what = ECS_TROUBLE[eventName] ?? (eventType === 'ERROR' ? `ECS ${eventName}` : undefined);
    if (what === undefined) return null;
    const service = resources.find((arn) => arn.includes(':service/'));
    return {
      source,
      what,
      ...where(service),
      resource: service ? serviceName(service) : (deploymentId ?? 'unknown service'),
      reason: oneLine(reason ?? eventName),
      at: updatedAt ?? time ?? '',
    };
  }

  if (source === 'aws.cloudwatch' && detailType === 'CloudWatch Alarm State Change') {
    const alarm = alarmChange.safeParse(detail);
    if (!alarm.success || alarm.data.state.value !== 'ALARM') return null;
    const arn = resources.find((r) => r.includes(':alarm:'));
    const name = alarm.data.alarmName ?? arn?.split(':alarm:').pop() ?? 'unknown alarm';
    return {
      source,
      what: `Alarm ${name} in ALARM`,
      ...where(arn),
      resource: name,
      reason: oneLine(alarm.data.state.reason ?? 'the alarm is in ALARM'),
      at: alarm.data.state.timestamp ?? time ?? '',
    };
  }
  return null;
}

/**
 * The account and region of the resource the event is about: its ARN says, and so does the event's envelope
 * (which not every emitter fills in; moto leaves `account` out).
 */
function whereOf(arn: string | undefined, envelope: { account?: string; region?: string }) {
  const [, , , arnRegion, arnAccount] = arn?.split(':') ?? [];
  return {
    account: arnAccount || envelope.account || 'unknown account',
    region: arnRegion || envelope.region || 'unknown region',
  };
}

/** `arn:aws:ecs:<region>:<account>:service/<cluster>/<service>` → `cluster/service` (old ARNs: `service`). */
function serviceName(arn: string): string {
  return arn.slice(arn.indexOf(':service/') + ':service/'.length);
}
