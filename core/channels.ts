// How each channel says a notice or an alert: Slack-compatible chat blocks and SNS text. One announcement
// feeds every channel, so the channels differ only in format and in the limits each one enforces.

import { asSentence } from './failure';
import type { DeploymentNotice, NoticeEvent } from './notice';
import { asciiLine, SNS_SUBJECT_MAX_CHARS } from './sns-subject';
import type { TargetAlert } from './target-events';

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
    reason: asSentence(a.reason),
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
  const subject = clip(asciiLine(`crossdeploy: ${a.headline}`), SNS_SUBJECT_MAX_CHARS);
  return { subject, body, attributes: a.attributes };
}

function clip(value: string, max: number): string {
  return value.length <= max ? value : `${value.slice(0, max - 3).trimEnd()}...`;
}

/** Slack's mrkdwn reads `&`, `<` and `>` as markup: a cause quoting HTML or `<none>` must not become a link. */
function mrkdwn(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** `|` and `>` end a Slack link's URL. */
function linkTarget(url: string): string {
  return url.replace(/\|/g, '%7C').replace(/>/g, '%3E');
}
