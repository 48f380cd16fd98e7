// From "something was pushed" to "which services start a pipeline": normalizes GitHub's push webhook and
// CodeCommit's state-change event into one PushEvent, and decides per service of the map. Pure, except
// for hashing (deterministic), so a duplicate event always yields the same decision and the same name.

import { createHash } from 'node:crypto';
import picomatch from 'picomatch';
import { z } from 'zod';
import { environmentsForBranch } from './map/plan';
import type { DeploymentMap, SourceRef } from './map/schema';
import type { PushEvent } from './pipeline-types';

/** The payload is not a push of the kind it claims to be: a caller or wiring bug, never retried. */
export class InvalidPushEvent extends Error {
  override name = 'InvalidPushEvent' as const;
}

export type PushResult = { push: PushEvent } | { ignored: string };

export type PushDecision =
  | { service: string; start: true; environments: string[] }
  | { service: string; start: false; reason: string };

const ZERO_SHA = /^0{40}$/;
const Sha = z
  .string()
  .regex(/^[0-9a-f]{40}$/i, 'must be a 40-character commit SHA')
  .transform((sha) => sha.toLowerCase());
const Paths = z.array(z.string()).nullish();

/** Only the fields read here; GitHub sends many more. */
const GithubPush = z.object({
  ref: z.string().min(1),
  after: Sha,
  deleted: z.boolean().optional(),
  repository: z.object({ full_name: z.string().min(1) }),
  pusher: z.object({ name: z.string().nullish() }).nullish(),
  head_commit: z
    .object({
      message: z.string().nullish(),
      author: z
        .object({ name: z.string().nullish(), username: z.string().nullish(), email: z.string().nullish() })
        .nullish(),
    })
    .nullish(),
  commits: z.array(z.object({ added: Paths, removed: Paths, modified: Paths })).nullish(),
});

/** GitHub lists at most this many commits in a push payload; a longer list is cut, so its paths are incomplete. */
const GITHUB_MAX_COMMITS = 2048;

export function pushFromGithub(payload: unknown, deliveryId?: string): PushResult {
  const parsed = GithubPush.safeParse(payload);
  if (!parsed.success) {
    throw new InvalidPushEvent(`not a GitHub push payload:\n${z.prettifyError(parsed.error)}`);
  }
  const p = parsed.data;
  if (p.ref.startsWith('refs/tags/')) {
    return { ignored: `tag ${p.ref.slice('refs/tags/'.length)}: only branches deploy` };
  }
  if (p.deleted === true || ZERO_SHA.test(p.after)) return { ignored: `branch ${branchOf(p.ref)} was deleted` };
  if (!p.ref.startsWith('refs/heads/')) return { ignored: `${p.ref} is not a branch` };

  const commits = p.commits ?? [];
  const author = p.head_commit?.author;
  const push: PushEvent = {
    source: { github: p.repository.full_name },
    branch: branchOf(p.ref),
    commit: p.after,
    author: author?.name || author?.username || author?.email || p.pusher?.name || 'unknown',
    message: p.head_commit?.message ?? '',
    // A cut list would make path filters skip services whose files changed in the missing commits.
    changedPaths:
      commits.length >= GITHUB_MAX_COMMITS
        ? []
        : sortedUnique(commits.flatMap((c) => [...(c.added ?? []), ...(c.modified ?? []), ...(c.removed ?? [])])),
  };
  return { push: deliveryId ? { ...push, deliveryId } : push };
}

function branchOf(ref: string): string {
  return ref.replace(/^refs\/heads\//, '');
}

/** `detail-type: "CodeCommit Repository State Change"`, as AWS documents it; only the fields read here. */
const CodeCommitEvent = z.object({ source: z.literal('aws.codecommit'), 'detail-type': z.string() });
const StateChangeDetail = z.object({
  detail: z.object({
    event: z.string(),
    repositoryName: z.string().min(1),
    referenceType: z.string(),
    referenceName: z.string().min(1),
    commitId: Sha.optional(),
    callerUserArn: z.string().optional(),
    // Present when the caller's session carries these tags.
    displayName: z.string().optional(),
  }),
});

const STATE_CHANGE = 'CodeCommit Repository State Change';

/**
 * CodeCommit's event names neither the commit message nor the changed files: `message` is '' and
 * `changedPaths` is [], which path filters read as "unknown", so every service of the repository matches.
 */
export function pushFromCodeCommit(event: unknown): PushResult {
  const envelope = CodeCommitEvent.safeParse(event);
  if (!envelope.success) {
    throw new InvalidPushEvent(`not a CodeCommit event:\n${z.prettifyError(envelope.error)}`);
  }
  const detailType = envelope.data['detail-type'];
  // Other CodeCommit events (comments, pull requests) have other details: not an error, just not a push.
  if (detailType !== STATE_CHANGE) return { ignored: `${detailType}: only repository state changes deploy` };
  const parsed = StateChangeDetail.safeParse(event);
  if (!parsed.success) {
    throw new InvalidPushEvent(`not a CodeCommit state change:\n${z.prettifyError(parsed.error)}`);
  }
  const { detail } = parsed.data;
  if (detail.referenceType !== 'branch') {
    return { ignored: `${detail.referenceType} ${detail.referenceName}: only branches deploy` };
  }
  if (detail.event === 'referenceDeleted') return { ignored: `branch ${detail.referenceName} was deleted` };
  if (detail.event !== 'referenceCreated' && detail.event !== 'referenceUpdated') {
    return { ignored: `${detail.event} on branch ${detail.referenceName} starts nothing` };
  }
  if (detail.commitId === undefined) {
    throw new InvalidPushEvent(`${detail.event} of branch ${detail.referenceName} carries no commitId`);
  }
  return {
    push: {
      source: { codecommit: detail.repositoryName },
      branch: detail.referenceName,
      commit: detail.commitId,
      author: detail.displayName || principalOf(detail.callerUserArn) || 'unknown',
      message: '',
      changedPaths: [],
    },
  };
}

/** `…:user/Mary_Major` → `Mary_Major`; `…:assumed-role/Admin/Mary_Major` → `Mary_Major (Admin)`. */
function principalOf(arn: string | undefined): string | undefined {
  if (!arn) return undefined;
  const resource = arn.split(':').slice(5).join(':');
  const [kind, ...rest] = resource.split('/');
  if (kind === 'assumed-role' && rest.length >= 2) return `${rest.slice(1).join('/')} (${rest[0]})`;
  return rest.length > 0 ? rest.join('/') : arn;
}

/**
 * One decision per service built from the pushed repository; services of other repositories are not listed,
 * so a push nobody builds from yields []. An empty `changedPaths` means "unknown" and matches every filter:
 * skipping a deploy on missing information would be the worse mistake.
 */
export function decidePush(map: DeploymentMap, push: PushEvent): PushDecision[] {
  return [...Object.entries(map.services), ...Object.entries(map.applications)]
    .filter(([, service]) => sameSource(service.source, push.source))
    .map(([name, service]): PushDecision => {
      const environments = environmentsForBranch(map, name, push.branch);
      if (environments.length === 0) {
        const mapped = Object.keys(service.branches).join(', ');
        return { service: name, start: false, reason: `branch ${push.branch} deploys nowhere (branches: ${mapped})` };
      }
      const globs = service.paths;
      if (globs && globs.length > 0 && push.changedPaths.length > 0) {
        const matches = picomatch(globs, { dot: true });
        if (!push.changedPaths.some((path) => matches(path))) {
          return { service: name, start: false, reason: `no changed path matches paths ${globs.join(', ')}` };
        }
      }
      return { service: name, start: true, environments };
    });
}

// GitHub owner and repository names are case-insensitive; CodeCommit names are compared as written.
function sameSource(mapped: SourceRef, pushed: PushEvent['source']): boolean {
  if ('github' in mapped && 'github' in pushed) return mapped.github.toLowerCase() === pushed.github.toLowerCase();
  if ('codecommit' in mapped && 'codecommit' in pushed) return mapped.codecommit === pushed.codecommit;
  return false;
}

/** Step Functions allows 80 characters; CloudWatch Logs only `[A-Za-z0-9-_]` in execution names. */
const EXECUTION_NAME_MAX = 80;

/**
 * A STANDARD execution's name cannot be used again for 90 days, also after it ended
 * (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html), so deploying a
 * commit again on its branch (a re-push, `crossdeploy redeploy`) takes the next attempt's name.
 */
export const MAX_ATTEMPTS = 99;

/**
 * `<service>-<branch>-<commit7>-<hash8>`, and `-a<n>` after it from the second attempt on: the same push
 * always gets the same name, so Step Functions itself refuses a second execution for a duplicated event.
 * Only the readable head is cut to fit; the hash is over the uncut values, so names stay distinct.
 */
export function executionName(service: string, branch: string, commit: string, attempt = 1): string {
  if (!Number.isInteger(attempt) || attempt < 1 || attempt > MAX_ATTEMPTS) {
    throw new RangeError(`attempt must be a whole number from 1 to ${MAX_ATTEMPTS}, not ${attempt}`);
  }
  const again = attempt === 1 ? '' : `-a${attempt}`;
  const tail = `-${commit.slice(0, 7).toLowerCase()}-${shortHash(`${service}\n${branch}\n${commit}`)}${again}`;
  const head = `${service}-${branch}`.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, EXECUTION_NAME_MAX - tail.length);
  return `${head.replace(/-+$/, '')}${tail}`;
}

/** First 8 hex characters of the SHA-256 of `text`: short, stable, and unique enough to tell names apart. */
export function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}

/** EventBridge takes at most 256 KB per entry; this leaves room for the envelope. */
export const MAX_PUSH_DETAIL_BYTES = 200_000;

/**
 * Fits a push into one bus event. A huge push first loses its path list (read as "unknown", so nothing is
 * skipped by mistake), then most of its commit message.
 */
export function fitForEventBus(push: PushEvent, maxBytes = MAX_PUSH_DETAIL_BYTES): PushEvent {
  const size = (p: PushEvent) => Buffer.byteLength(JSON.stringify(p));
  if (size(push) <= maxBytes) return push;
  const withoutPaths = { ...push, changedPaths: [] };
  if (size(withoutPaths) <= maxBytes) return withoutPaths;
  return { ...withoutPaths, message: `${push.message.slice(0, 1000)}…` };
}

function sortedUnique(values: string[]): string[] {
  return [...new Set(values)].sort();
}
