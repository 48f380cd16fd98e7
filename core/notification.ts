// What crossdeploy tells people: a deployment started, succeeded, failed, was rolled back, or waits for an
// approver (notices it puts on its own bus), and what a target account's own events say when something goes
// wrong there (ECS rollouts, alarms, forwarded to the bus). Pure: the handlers publish and deliver these.

import { z } from 'zod';
import { shortCommit } from './approval-message';
import { innermostFailure } from './failure';
import { DETAIL_TYPE } from './pipeline-types';

export const NOTICE_EVENTS = ['started', 'succeeded', 'failed', 'rolled-back', 'approval-waiting'] as const;
export type NoticeEvent = (typeof NOTICE_EVENTS)[number];

export const NOTICE_DETAIL_TYPE = {
  started: DETAIL_TYPE.deploymentStarted,
  succeeded: DETAIL_TYPE.deploymentSucceeded,
  failed: DETAIL_TYPE.deploymentFailed,
  'rolled-back': DETAIL_TYPE.deploymentRolledBack,
  'approval-waiting': DETAIL_TYPE.approvalWaiting,
} as const satisfies Record<NoticeEvent, string>;

export type NoticeDetailType = (typeof NOTICE_DETAIL_TYPE)[NoticeEvent];

export function noticeEventOf(detailType: string): NoticeEvent | undefined {
  return NOTICE_EVENTS.find((event) => NOTICE_DETAIL_TYPE[event] === detailType);
}

/** The detail of every notice on the bus; it crosses EventBridge, so it stays plain JSON. */
export const deploymentNotice = z.object({
  event: z.enum(NOTICE_EVENTS),
  pipelineId: z.string().min(1),
  executionArn: z.string().min(1),
  consoleLink: z.string().min(1),
  serviceName: z.string().min(1),
  environment: z.string().min(1),
  commit: z.string().min(1),
  kind: z.enum(['deploy', 'rollback']),
  /** The innermost error name: nested executions and Lambda wrappers peeled off. */
  error: z.string().nullable(),
  /** The innermost cause, as the step that failed wrote it. */
  cause: z.string().nullable(),
  /** `failureInPlainWords(error, cause)` when there is either; null otherwise. */
  reason: z.string().nullable(),
  /** One line saying what happened, for consumers of the bus that print or forward it as is. */
  headline: z.string().min(1),
  /** Set on `approval-waiting` only. Never the signed link: it decides the approval, so only approvers get it. */
  approval: z
    .object({ approvalId: z.string().min(1), topic: z.string().min(1), expiresAt: z.string().min(1) })
    .nullable(),
  at: z.string().min(1),
});
export type DeploymentNotice = z.infer<typeof deploymentNotice>;

export interface NoticeFacts {
  event: NoticeEvent;
  pipelineId: string;
  executionArn: string;
  consoleLink: string;
  serviceName: string;
  environment: string;
  commit: string;
  kind: 'deploy' | 'rollback';
  /** A Step Functions Catch output (or a Fail state's error and cause); null when nothing failed. */
  failure: { Error?: string; Cause?: string } | null;
  approval?: DeploymentNotice['approval'];
  at: Date;
}

export function buildNotice(facts: NoticeFacts): DeploymentNotice {
  const { error, cause } = innermostFailure(facts.failure?.Error, facts.failure?.Cause);
  const notice: Omit<DeploymentNotice, 'headline'> = {
    event: facts.event,
    pipelineId: facts.pipelineId,
    executionArn: facts.executionArn,
    consoleLink: facts.consoleLink,
    serviceName: facts.serviceName,
    environment: facts.environment,
    commit: facts.commit,
    kind: facts.kind,
    error,
    cause,
    reason: error === null && cause === null ? null : failureInPlainWords(error, cause),
    approval: facts.approval ?? null,
    at: facts.at.toISOString(),
  };
  return { ...notice, headline: headlineOf(notice) };
}

function headlineOf(n: Omit<DeploymentNotice, 'headline'>): string {
  const commit = shortCommit(n.commit);
  const { serviceName: service, environment: env } = n;
  if (n.kind === 'rollback') {
    const rollback = `rollback of ${service} in ${env} to ${commit}`;
    return {
      started: `Rolling back ${service} in ${env} to ${commit}`,
      succeeded: `Rolled back ${service} in ${env} to ${commit}`,
      failed: `The ${rollback} failed`,
      'rolled-back': `The ${rollback} was undone`,
      'approval-waiting': `The ${rollback} waits for approval`,
    }[n.event];
  }
  return {
    started: `Deploying ${service} ${commit} to ${env}`,
    succeeded: `Deployed ${service} ${commit} to ${env}`,
    failed: `The deployment of ${service} ${commit} to ${env} failed`,
    'rolled-back': `The deployment of ${service} ${commit} to ${env} was rolled back`,
    'approval-waiting': `${service} ${commit} waits for approval to deploy to ${env}`,
  }[n.event];
}

// ─── failures in plain words ──────────────────────────────────────────────────────────────────────────────

/** Long enough for a wave's per-target causes, short enough for a chat message and an e-mail's first screen. */
export const REASON_MAX_CHARS = 1000;

/** What each error crossdeploy's workflows end with means, for someone who did not write them. */
const MEANING: Record<string, string> = {
  DeploymentRolledBack: 'Rolled back',
  WaveFailed: 'A wave failed beyond its tolerance',
  ApprovalTimedOut: 'No approver decided in time',
  RoleNotAssumable: 'The deploy role could not be assumed',
  ServiceNotFound: 'The ECS service does not exist',
  ContainerNotFound: 'The container is not in the task definition',
  UnsupportedDeploymentController: 'The service has a deployment controller crossdeploy cannot drive',
  RepositoryNotFound: 'The ECR repository does not exist',
  EcrPullDenied: 'The target account may not pull the image',
  InvalidStepInput: 'A step received input it does not accept',
  TransientAwsError: 'AWS kept failing after every retry',
  EnvironmentNotCompleted: 'The environment deployment ended without completing',
  'States.Timeout': 'A step timed out',
  'States.TaskFailed': 'A task failed',
  'States.Runtime': 'The workflow hit a runtime error',
  'States.HeartbeatTimeout': 'A step stopped sending heartbeats',
  ApprovalRejected: 'An approver rejected it',
  Superseded: 'A newer commit superseded it',
};

/**
 * One readable sentence from a Step Functions error and cause. A nested execution's failure arrives as the
 * JSON of its description (`{"Error": ..., "Cause": "<more JSON>"}`), a Lambda's as `{errorType,
 * errorMessage}`, nested as deep as the workflows are: the innermost error and cause are the ones that say
 * what went wrong.
 */
export function failureInPlainWords(error: string | null | undefined, cause: string | null | undefined): string {
  const inner = innermostFailure(error ?? undefined, cause ?? undefined);
  const why = inner.cause === null ? '' : oneLine(inner.cause);
  return sentence(plainWords(inner.error, why));
}

function plainWords(error: string | null, why: string): string {
  if (error === null) return why || 'Failed without saying why';
  // These causes already read as a sentence about the approval: "rejected by Grace: not on a Friday".
  if (error === 'ApprovalRejected' && /^rejected by /i.test(why)) return `Approval ${why}`;
  if (error === 'Superseded' && /^superseded by /i.test(why)) return `Superseded ${why.slice('superseded '.length)}`;
  const meaning = MEANING[error];
  if (meaning === undefined) return why ? `${error}: ${why}` : `Failed with ${error}`;
  return why ? `${meaning} (${error}): ${why}` : `${meaning} (${error})`;
}

function sentence(words: string): string {
  const clipped = words.length > REASON_MAX_CHARS ? `${words.slice(0, REASON_MAX_CHARS - 3).trimEnd()}...` : words;
  const capitalized = clipped.charAt(0).toUpperCase() + clipped.slice(1);
  return /[.!?]$/.test(capitalized) ? capitalized : `${capitalized}.`;
}

// ─── events forwarded from target accounts ───────────────────────────────────────────────────────────────

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

const forwardedEnvelope = z.object({
  source: z.string(),
  'detail-type': z.string(),
  account: z.string().optional(),
  region: z.string().optional(),
  time: z.string().optional(),
  resources: z.array(z.string()).optional(),
  detail: z.record(z.string(), z.unknown()),
});

const ecsDeployment = z.object({
  eventType: z.string().optional(),
  eventName: z.string(),
  deploymentId: z.string().optional(),
  updatedAt: z.string().optional(),
  reason: z.string().optional(),
});

const alarmChange = z.object({
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

// ─── messages ─────────────────────────────────────────────────────────────────────────────────────────────

/** What every channel says about a notice or an alert, before each channel's own format. */
export interface Announcement {
  headline: string;
  reason: string | null;
  facts: [label: string, value: string][];
  link: { url: string; label: string } | null;
  note: string | null;
  emoji: string;
  /** SNS message attributes, so a subscription can filter (say, failures only). */
  attributes: Record<string, string>;
}

const EMOJI: Record<NoticeEvent, string> = {
  started: ':rocket:',
  succeeded: ':white_check_mark:',
  failed: ':x:',
  'rolled-back': ':rewind:',
  'approval-waiting': ':hourglass_flowing_sand:',
};

export function describeNotice(n: DeploymentNotice): Announcement {
  return {
    headline: n.headline,
    reason: n.reason,
    facts: [
      ['Service', n.serviceName],
      ['Environment', n.environment],
      ['Commit', n.commit],
      ['Pipeline', n.pipelineId],
      ['At', n.at],
    ],
    link: { url: n.consoleLink, label: 'Open the execution' },
    note: n.approval
      ? `Approvers were sent the approval link through the ${n.approval.topic} topic; it expires at ` +
        `${n.approval.expiresAt} (approval ${n.approval.approvalId}).`
      : null,
    emoji: EMOJI[n.event],
    attributes: { event: n.event, kind: n.kind, service: n.serviceName, environment: n.environment },
  };
}

export function describeAlert(a: TargetAlert): Announcement {
  return {
    headline: `${a.what}: ${a.resource} in ${a.account}/${a.region}`,
    reason: sentence(a.reason),
    facts: [
      ['Account', a.account],
      ['Region', a.region],
      [a.source === 'aws.ecs' ? 'Service' : 'Alarm', a.resource],
      ['At', a.at],
    ],
    link: null,
    note: null,
    emoji: ':rotating_light:',
    attributes: { event: 'target-alert', source: a.source, account: a.account, region: a.region },
  };
}

/** A Slack-compatible incoming-webhook payload; `text` is the fallback shown in notifications. */
export interface ChatMessage {
  text: string;
  blocks: ChatBlock[];
}
export type ChatBlock =
  | { type: 'section'; text: { type: 'mrkdwn'; text: string } }
  | { type: 'section'; fields: { type: 'mrkdwn'; text: string }[] }
  | { type: 'context'; elements: { type: 'mrkdwn'; text: string }[] };

/** Slack refuses a section text longer than this. */
const SECTION_MAX_CHARS = 3000;

export function chatMessage(a: Announcement): ChatMessage {
  const top = `${a.emoji} *${mrkdwn(a.headline)}*${a.reason ? `\n${mrkdwn(a.reason)}` : ''}`;
  const blocks: ChatBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: clip(top, SECTION_MAX_CHARS) } },
    {
      type: 'section',
      fields: a.facts
        .filter(([, value]) => value !== '')
        .map(([label, value]) => ({ type: 'mrkdwn' as const, text: `*${label}*\n${mrkdwn(value)}` })),
    },
  ];
  const context = [a.note && mrkdwn(a.note), a.link && `<${linkTarget(a.link.url)}|${mrkdwn(a.link.label)}>`];
  const elements = context.filter((t): t is string => Boolean(t)).map((t) => ({ type: 'mrkdwn' as const, text: t }));
  if (elements.length > 0) blocks.push({ type: 'context', elements });
  const text = mrkdwn(a.reason ? `${a.headline}: ${a.reason}` : a.headline);
  return { text: clip(text, SECTION_MAX_CHARS), blocks };
}

/** SNS refuses a longer subject. */
export const SNS_SUBJECT_MAX_CHARS = 100;

export interface SnsMessage {
  subject: string;
  body: string;
  attributes: Record<string, string>;
}

export function snsMessage(a: Announcement): SnsMessage {
  const facts = a.facts.filter(([, value]) => value !== '');
  const width = Math.max(0, ...facts.map(([label]) => label.length)) + 2;
  const body = [
    a.reason ? `${a.headline}.\n\n${a.reason}` : `${a.headline}.`,
    '',
    ...facts.map(([label, value]) => `${`${label}:`.padEnd(width)}${value}`),
    ...(a.note ? ['', a.note] : []),
    ...(a.link ? ['', `${a.link.label}:`, a.link.url] : []),
    '',
  ].join('\n');
  return { subject: snsSubject(`crossdeploy: ${a.headline}`), body, attributes: a.attributes };
}

/** Printable ASCII on one line, at most 100 characters: what SNS accepts as a subject. */
function snsSubject(text: string): string {
  const ascii = text
    .replace(/[^\x20-\x7e]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return clip(ascii, SNS_SUBJECT_MAX_CHARS);
}

// ─── helpers ──────────────────────────────────────────────────────────────────────────────────────────────

function clip(value: string, max: number): string {
  return value.length <= max ? value : `${value.slice(0, max - 3).trimEnd()}...`;
}

function oneLine(value: string): string {
  return value.replace(/\s+/g, ' ').trim();
}

/** Slack's mrkdwn reads `&`, `<` and `>` as markup: a cause quoting HTML or `<none>` must not become a link. */
function mrkdwn(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** `|` and `>` end a Slack link's URL. */
function linkTarget(url: string): string {
  return url.replace(/\|/g, '%7C').replace(/>/g, '%3E');
}
