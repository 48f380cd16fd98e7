import { describe, expect, it } from 'vitest';
import {
  type ApprovalLinkParams,
  LinkSigningKeyMissing,
  type LinkVerdict,
  signApprovalLink,
  verifyApprovalLink,
} from '../../core/approval-link';

const KEY = 'a-signing-key-that-only-crossdeploy-knows';
const ID = '0b6f2c9e-5d1a-4c7e-9a8b-2f3e4d5c6b7a';
const EXPIRES_AT = new Date('2030-01-02T04:04:05.900Z');
const EPOCH = '1893557045';
const BEFORE = new Date('2030-01-02T04:04:04Z');

/** The parameters the page receives when someone opens `link`. */
function paramsOf(link: string): ApprovalLinkParams {
  const url = new URL(link);
  return {
    approvalId: decodeURIComponent(url.pathname.split('/').pop() ?? ''),
    expires: url.searchParams.get('expires') ?? undefined,
    signature: url.searchParams.get('signature') ?? undefined,
  };
}

const link = signApprovalLink('https://deploy.example.com', ID, EXPIRES_AT, KEY);
const valid = paramsOf(link);
const flip = (s: string) => (s.startsWith('A') ? `B${s.slice(1)}` : `A${s.slice(1)}`);

describe('signApprovalLink', () => {
  it('names the approval, its expiry in epoch seconds and a base64url HMAC-SHA256, nothing else', () => {
    expect(link).toMatch(new RegExp(`^https://deploy\\.example\\.com/approvals/${ID}\\?expires=${EPOCH}&signature=`));
    expect(valid.signature).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect([...new URL(link).searchParams.keys()]).toEqual(['expires', 'signature']);
  });

  it('does not double the slash when the base URL ends with one', () => {
    expect(signApprovalLink('https://deploy.example.com/', ID, EXPIRES_AT, KEY)).toBe(link);
  });

  it('keeps a base path, so the page may live behind a stage prefix', () => {
    expect(signApprovalLink('https://api.example.com/prod', ID, EXPIRES_AT, KEY)).toMatch(
      /^https:\/\/api\.example\.com\/prod\/approvals\//,
    );
  });

  it('refuses to sign with an empty key', () => {
    expect(() => signApprovalLink('https://x', ID, EXPIRES_AT, '')).toThrow(LinkSigningKeyMissing);
  });
});

describe('verifyApprovalLink', () => {
  it.each<{ name: string; params: ApprovalLinkParams; key?: string; now?: Date; verdict: LinkVerdict }>([
    { name: 'accepts the link as signed, before it expires', params: valid, verdict: 'valid' },
    {
      name: 'calls the link expired at its expiry second',
      params: valid,
      now: new Date(Number(EPOCH) * 1000),
      verdict: 'expired',
    },
    {
      name: 'calls the link expired after it',
      params: valid,
      now: new Date('2031-01-01T00:00:00Z'),
      verdict: 'expired',
    },
    {
      name: 'calls the link tampered when the id was changed',
      params: { ...valid, approvalId: `${ID.slice(0, -1)}b` },
      verdict: 'tampered',
    },
    {
      name: 'calls the link tampered when the expiry was pushed back',
      params: { ...valid, expires: String(Number(EPOCH) + 86_400) },
      verdict: 'tampered',
    },
    {
      name: 'calls an expired link tampered when its expiry was changed: an unsigned expiry says nothing',
      params: { ...valid, expires: String(Number(EPOCH) - 86_400) },
      now: new Date('2031-01-01T00:00:00Z'),
      verdict: 'tampered',
    },
    {
      name: 'calls the link tampered when the signature was changed',
      params: { ...valid, signature: flip(valid.signature ?? '') },
      verdict: 'tampered',
    },
    {
      name: 'calls the link tampered when the signature is cut short',
      params: { ...valid, signature: valid.signature?.slice(0, 20) },
      verdict: 'tampered',
    },
    {
      name: 'calls the link tampered when the signature carries extra characters',
      params: { ...valid, signature: `${valid.signature}==` },
      verdict: 'tampered',
    },
    {
      name: 'calls the link tampered when it was signed with another key',
      params: valid,
      key: 'another-key',
      verdict: 'tampered',
    },
    {
      name: 'calls the link tampered without a signature',
      params: { ...valid, signature: undefined },
      verdict: 'tampered',
    },
    {
      name: 'calls the link tampered without an expiry',
      params: { ...valid, expires: undefined },
      verdict: 'tampered',
    },
    {
      name: 'calls the link tampered when the expiry is not a number',
      params: { ...valid, expires: `${EPOCH}.5` },
      verdict: 'tampered',
    },
  ])('$name', ({ params, key = KEY, now = BEFORE, verdict }) => {
    expect(verifyApprovalLink(params, key, now)).toBe(verdict);
  });
});
