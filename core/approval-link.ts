// The link an approver follows. It names the approval and nothing else: the task token stays in DynamoDB.
// An HMAC over the id and the expiry proves crossdeploy wrote the link; the expiry ends it with the workflow's
// own timeout. Being single use is the record's job (a conditional write), not the link's.

import { createHmac, timingSafeEqual } from 'node:crypto';

/** What the approval page receives: the path's id and the link's query. */
export interface ApprovalLinkParams {
  approvalId: string;
  expires: string | undefined;
  signature: string | undefined;
}

export type LinkVerdict = 'valid' | 'expired' | 'tampered';

/** No signing key was configured, or it came from a place this build cannot read. */
export class LinkSigningKeyMissing extends Error {
  override name = 'LinkSigningKeyMissing' as const;
}

export function signApprovalLink(baseUrl: string, approvalId: string, expiresAt: Date, key: string): string {
  const expires = String(Math.floor(expiresAt.getTime() / 1000));
  const query = new URLSearchParams({ expires, signature: signature(approvalId, expires, key) });
  return `${baseUrl.replace(/\/+$/, '')}/approvals/${encodeURIComponent(approvalId)}?${query}`;
}

/**
 * The signature is checked before the expiry: an expiry that was not signed says nothing, so a tampered link
 * is 'tampered' even when its (forged) expiry has passed.
 */
export function verifyApprovalLink(params: ApprovalLinkParams, key: string, now: Date): LinkVerdict {
  const { approvalId, expires, signature: given } = params;
  if (!expires || !given || !/^\d{1,12}$/.test(expires)) return 'tampered';
  const expected = Buffer.from(signature(approvalId, expires, key), 'base64url');
  const actual = Buffer.from(given, 'base64url');
  // timingSafeEqual throws on different lengths; a length says nothing secret, so compare it first.
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return 'tampered';
  // base64url decoding ignores stray characters; only the canonical spelling of a signature is accepted.
  if (actual.toString('base64url') !== given) return 'tampered';
  return now.getTime() >= Number(expires) * 1000 ? 'expired' : 'valid';
}

function signature(approvalId: string, expires: string, key: string): string {
  if (!key) throw new LinkSigningKeyMissing('cannot sign or verify an approval link with an empty key');
  return createHmac('sha256', key).update(`${approvalId}\n${expires}`).digest('base64url');
}
