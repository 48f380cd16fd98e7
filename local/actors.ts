import { randomUUID } from 'node:crypto';
import { sign } from '@octokit/webhooks-methods';

// The people around crossdeploy, played on this machine: a developer whose push GitHub delivers as a
// signed webhook, and an approver who reads the e-mail and answers on the page.

export interface GithubPush {
  repository: string;
  branch: string;
  commit: string;
  message: string;
  changedPaths?: string[];
}

/** The body GitHub sends for a branch push, with the fields crossdeploy reads. */
function githubPushPayload(push: GithubPush): string {
  return JSON.stringify({
    ref: `refs/heads/${push.branch}`,
    before: '0'.repeat(40),
    after: push.commit,
    deleted: false,
    repository: { full_name: push.repository },
    pusher: { name: 'sam.developer' },
    head_commit: { id: push.commit, message: push.message, author: { name: 'Sam Developer', username: 'sam' } },
    commits: [{ id: push.commit, added: [], removed: [], modified: push.changedPaths ?? ['src/index.ts'] }],
  });
}

/** Delivers a push to the webhook endpoint as GitHub does: signed, with a delivery id. */
export async function deliverGithubPush(
  apiUrl: string,
  secret: string,
  push: GithubPush,
  deliveryId: string = randomUUID(),
): Promise<Response> {
  const payload = githubPushPayload(push);
  return fetch(`${apiUrl}/webhooks/github`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'push',
      'x-github-delivery': deliveryId,
      'x-hub-signature-256': await sign(secret, payload),
    },
    body: payload,
  });
}

/** The approval link in an approval e-mail. */
export function approvalLinkIn(message: string): string {
  const link = /https?:\/\/\S+\/approvals\/\S+/.exec(message)?.[0];
  if (!link) throw new Error('the approval e-mail has no link');
  return link;
}

/** Answers on the approval page as its form does. */
export function decide(
  link: string,
  decision: 'approve' | 'reject',
  approver: string,
  comment = '',
): Promise<Response> {
  return fetch(link, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ approver, comment, decision }).toString(),
  });
}
