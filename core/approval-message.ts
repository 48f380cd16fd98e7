// The e-mail an approver decides from, as the environment's SNS topic sends it: plain text, because SNS
// e-mail subscriptions send text only, and because a text message cannot hide a link behind other words.

import type { ApprovalRequest } from './pipeline-types';
import { asciiLine, SNS_SUBJECT_MAX_CHARS } from './sns-subject';

export interface ApprovalMessage {
  subject: string;
  body: string;
}

export function approvalMessage(request: ApprovalRequest, link: string): ApprovalMessage {
  return { subject: subjectOf(request), body: bodyOf(request, link) };
}

/**
 * SNS subjects are printable ASCII on one line, at most 100 characters: the commit message's first line is
 * squeezed into that, never the service, environment or commit.
 */
function subjectOf(r: ApprovalRequest): string {
  const head = asciiLine(approvalHeadline(r));
  const summary = asciiLine(firstLine(r.message));
  const full = summary ? `${head} ${summary}` : head;
  if (full.length <= SNS_SUBJECT_MAX_CHARS) return full;
  if (head.length + 4 >= SNS_SUBJECT_MAX_CHARS) return head.slice(0, SNS_SUBJECT_MAX_CHARS);
  return `${full.slice(0, SNS_SUBJECT_MAX_CHARS - 3).trimEnd()}...`;
}

/** What the approver is asked, in the subject and on the page. */
export function approvalHeadline(r: ApprovalRequest): string {
  return provisioned(r) && r.template
    ? `Approve ${templateLabel(r.template)} for ${r.environment}?`
    : `Approve ${r.serviceName} ${shortCommit(r.commit)} to ${r.environment}?`;
}

export function templateLabel(t: { kind: string; name: string; version: string }): string {
  // An application's template is versioned by its commit, which is long and said elsewhere in full.
  return t.kind === 'applications'
    ? `${t.name}'s stack at ${shortCommit(t.version)}`
    : `${t.kind}/${t.name} ${t.version}`;
}

/** A platform template provisions; an application stack is deployed like a service's image. */
function provisioned(r: ApprovalRequest): boolean {
  return r.template !== null && r.template.kind !== 'applications';
}

/** What ships: the image by digest, or the template version an environment is provisioned from. */
export function shipped(r: ApprovalRequest): [label: string, value: string][] {
  if (r.template) return [['Template', templateLabel(r.template)]];
  if (!r.image) return [];
  return [
    ['Image', r.image.uri],
    ['Digest', r.image.digest],
  ];
}

/**
 * How many targets the e-mail lists one by one. SNS takes a message of 256 KiB at most
 * (https://docs.aws.amazon.com/sns/latest/api/API_Publish.html), which a line per target passes at a few thousand
 * targets; beyond this many the e-mail counts them instead, and the approval page lists them all.
 */
export const MAX_LISTED_TARGETS = 50;

/** What each target runs now, counted: `web:7 on 4,990 targets; web:6 on 10 targets`, most first. */
function runsNow(targets: ApprovalRequest['targets']): string {
  return countsOf(targets.map((t) => t.runs))
    .map(([runs, n]) => `${runs} on ${plural(n, 'target')}`)
    .join('; ');
}

/** Where the targets are, counted: `1,250 accounts; us-east-1 1,250, eu-west-1 1,250`. */
function whereNow(targets: ApprovalRequest['targets']): string {
  const accounts = new Set(targets.map((t) => t.account)).size;
  const regions = countsOf(targets.map((t) => t.region)).sort(([a], [b]) => a.localeCompare(b));
  return `${plural(accounts, 'account')}; ${regions.map(([region, n]) => `${region} ${n.toLocaleString('en-US')}`).join(', ')}`;
}

function countsOf(values: string[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

function plural(n: number, noun: string): string {
  return `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`;
}

/** One line per target, or, for more than MAX_LISTED_TARGETS, where they are and what they run, then the first ones. */
function targetLines(r: ApprovalRequest): string[] {
  const line = (t: ApprovalRequest['targets'][number]) => `  - ${t.account} ${t.region}  ${t.what}  runs ${t.runs}`;
  const kind = r.template ? 'stack' : 'cluster/service';
  if (r.targets.length <= MAX_LISTED_TARGETS) {
    return [`Targets (${r.targets.length}, account region ${kind}, and what each runs now):`, ...r.targets.map(line)];
  }
  return [
    `Targets: ${plural(r.targets.length, 'target')} in ${whereNow(r.targets)}.`,
    `What they run now${r.runsFrom === 'ledger' ? ', as crossdeploy last deployed them' : ''}: ${runsNow(r.targets)}.`,
    `The first ${MAX_LISTED_TARGETS} (account region ${kind}, and what each runs now); the page below lists them all:`,
    ...r.targets.slice(0, MAX_LISTED_TARGETS).map(line),
    `  ... and ${plural(r.targets.length - MAX_LISTED_TARGETS, 'more target')}`,
  ];
}

function bodyOf(r: ApprovalRequest, link: string): string {
  const what =
    provisioned(r) && r.template
      ? `environment ${r.environment} to be provisioned from ${templateLabel(r.template)}`
      : null;
  return [
    what
      ? `crossdeploy is waiting for approval for ${what}.`
      : `${r.serviceName} is waiting for approval to deploy to ${r.environment}.`,
    '',
    `Commit:   ${r.commit}`,
    `Author:   ${r.author}`,
    'Message:',
    ...r.message
      .trimEnd()
      .split(/\r?\n/)
      .map((line) => `  ${line}`.trimEnd()),
    '',
    ...shipped(r).map(([label, value]) => `${`${label}:`.padEnd(10)}${value}`),
    '',
    ...targetLines(r),
    '',
    'Approve or reject on this page:',
    link,
    '',
    `The link works once and expires at ${r.expiresAt}. Opening it decides nothing.`,
    `Approval ${r.approvalId}, pipeline ${r.pipelineId}.`,
    '',
  ].join('\n');
}

export function shortCommit(commit: string): string {
  return commit.slice(0, 7);
}

function firstLine(text: string): string {
  return text.trim().split(/\r?\n/, 1)[0] ?? '';
}
