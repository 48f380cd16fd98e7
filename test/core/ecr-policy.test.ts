import { describe, expect, it } from 'vitest';
import {
  type EcrContext,
  grantCommand,
  grantPolicyLength,
  mergeRepositoryPolicy,
  type PullGrant,
  policyGrantsPull,
  pullAccess,
  REPOSITORY_POLICY_MAX_LENGTH,
  REPOSITORY_PULL_ACTIONS,
  REPOSITORY_PULL_SID,
} from '../../core/ecr-policy';
import { InvalidStepInput } from '../../core/errors';
import { allowPull, denyAll, orgCondition, policy } from '../support/ecr-policy';

const STAGING = '222222222222';
const PROD = '333333333333';
const ORG = 'o-a1b2c3d4e5';
const root = (account: string) => `arn:aws:iam::${account}:root`;

const ciPush = {
  Sid: 'CiPush',
  Effect: 'Allow',
  Principal: { AWS: 'arn:aws:iam::111111111111:role/ci' },
  Action: ['ecr:PutImage', 'ecr:InitiateLayerUpload', 'ecr:UploadLayerPart', 'ecr:CompleteLayerUpload'],
};
const lambdaPull = {
  Sid: 'LambdaECRImageRetrievalPolicy',
  Effect: 'Allow',
  Principal: { Service: 'lambda.amazonaws.com' },
  Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
};
const pullFor = (...accounts: string[]) => ({
  Sid: REPOSITORY_PULL_SID,
  Effect: 'Allow',
  Principal: { AWS: accounts.map(root) },
  Action: REPOSITORY_PULL_ACTIONS,
});
const pullForOrg = {
  Sid: REPOSITORY_PULL_SID,
  Effect: 'Allow',
  Principal: '*',
  Condition: { StringEquals: { 'aws:PrincipalOrgID': ORG } },
  Action: REPOSITORY_PULL_ACTIONS,
};
const statementsOf = (text: string) => JSON.parse(text).Statement;

describe('mergeRepositoryPolicy', () => {
  it.each<{ name: string; existing: string | undefined; grant: PullGrant; statements: object[] }>([
    {
      name: 'creates a policy holding only our statement when the repository has none',
      existing: undefined,
      grant: { accounts: [STAGING] },
      statements: [pullFor(STAGING)],
    },
    {
      name: 'appends our statement after foreign statements, which stay untouched and in order',
      existing: policy(ciPush, lambdaPull),
      grant: { accounts: [STAGING] },
      statements: [ciPush, lambdaPull, pullFor(STAGING)],
    },
    {
      name: 'adds a second account to our statement in place, sorted, keeping the first',
      existing: policy(ciPush, pullFor(PROD), lambdaPull),
      grant: { accounts: [STAGING] },
      statements: [ciPush, pullFor(STAGING, PROD), lambdaPull],
    },
    {
      name: 'keeps a bare account id already granted, written as its root ARN',
      existing: policy({ ...pullFor(), Principal: { AWS: PROD } }),
      grant: { accounts: [STAGING] },
      statements: [pullFor(STAGING, PROD)],
    },
    {
      name: 'replaces an account list with an organization grant',
      existing: policy(ciPush, pullFor(STAGING, PROD)),
      grant: { principalOrgId: ORG },
      statements: [ciPush, pullForOrg],
    },
    {
      name: 'keeps an organization grant when a map lists accounts, so the grant never narrows',
      existing: policy(pullForOrg),
      grant: { accounts: [STAGING] },
      statements: [pullForOrg],
    },
  ])('$name', ({ existing, grant, statements }) => {
    const merged = mergeRepositoryPolicy(existing, grant);

    expect(JSON.parse(merged.policy)).toEqual({ Version: '2012-10-17', Statement: statements });
  });

  it.each<{ name: string; existing: string | undefined; grant: PullGrant; changed: boolean }>([
    { name: 'a new policy', existing: undefined, grant: { accounts: [STAGING] }, changed: true },
    {
      name: 'an account not yet granted',
      existing: policy(pullFor(PROD)),
      grant: { accounts: [STAGING] },
      changed: true,
    },
    {
      name: 'an account already granted',
      existing: policy(pullFor(STAGING)),
      grant: { accounts: [STAGING] },
      changed: false,
    },
    {
      name: 'a single principal string where we write a list of one',
      existing: JSON.stringify({
        Version: '2012-10-17',
        Statement: { ...pullFor(), Principal: { AWS: root(STAGING) } },
      }),
      grant: { accounts: [STAGING] },
      changed: false,
    },
    {
      name: 'the same actions in another order, as a lone statement object',
      existing: JSON.stringify({
        Statement: { ...pullFor(STAGING), Action: [...REPOSITORY_PULL_ACTIONS].reverse() },
        Version: '2012-10-17',
      }),
      grant: { accounts: [STAGING] },
      changed: false,
    },
    {
      name: 'an organization grant written with {"AWS": "*"}',
      existing: policy({ ...pullForOrg, Principal: { AWS: '*' } }),
      grant: { principalOrgId: ORG },
      changed: false,
    },
    {
      name: 'another organization',
      existing: policy(pullForOrg),
      grant: { principalOrgId: 'o-zzzzzzzzzz' },
      changed: true,
    },
    {
      name: 'the 2008 policy version the ECR console writes',
      existing: JSON.stringify({ Version: '2008-10-17', Statement: [pullFor(STAGING)] }),
      grant: { accounts: [STAGING] },
      changed: true,
    },
  ])('reports changed=$changed for $name', ({ existing, grant, changed }) => {
    expect(mergeRepositoryPolicy(existing, grant).changed).toBe(changed);
  });

  it.each<PullGrant>([{ accounts: [STAGING, PROD] }, { principalOrgId: ORG }])(
    'is idempotent: merging %j into its own result changes nothing',
    (grant) => {
      const first = mergeRepositoryPolicy(policy(ciPush), grant);
      const second = mergeRepositoryPolicy(first.policy, grant);

      expect(second).toEqual({ policy: first.policy, changed: false, dropped: [] });
    },
  );

  it.each([
    { name: 'invalid JSON', existing: '{"Version": "2012-10-17", "Statement": [', error: /not valid JSON/ },
    { name: 'a JSON array', existing: '[]', error: /not a JSON object/ },
    { name: 'a statement that is not an object', existing: '{"Statement": ["x"]}', error: /Statement that is not/ },
  ])('throws a clear error on $name instead of overwriting it', ({ existing, error }) => {
    expect(() => mergeRepositoryPolicy(existing, { accounts: [STAGING] })).toThrow(error);
  });

  it.each([
    { name: 'is not an account id', accounts: ['arn:aws:iam::222222222222:root'] },
    { name: 'is empty', accounts: [] },
  ])('rejects an account grant that $name', ({ accounts }) => {
    expect(() => mergeRepositoryPolicy(undefined, { accounts })).toThrow(InvalidStepInput);
  });
});

describe('mergeRepositoryPolicy with principals of deleted roles', () => {
  const STALE_ROLE = 'AROAEXAMPLEDELETEDROLE1';
  const STALE_USER = 'AIDAEXAMPLEDELETEDUSER1';

  it("drops a deleted role's unique id from another team's statement and reports it", () => {
    const existing = policy({ ...ciPush, Principal: { AWS: [STALE_ROLE, 'arn:aws:iam::111111111111:role/ci'] } });

    const merged = mergeRepositoryPolicy(existing, { accounts: [STAGING] });

    expect(merged.dropped).toEqual([STALE_ROLE]);
    expect(statementsOf(merged.policy)).toEqual([
      { ...ciPush, Principal: { AWS: ['arn:aws:iam::111111111111:role/ci'] } },
      pullFor(STAGING),
    ]);
  });

  it('drops a statement whose only principals were deleted, and keeps other principal kinds', () => {
    const existing = policy(
      { ...ciPush, Principal: { AWS: STALE_USER } },
      { ...lambdaPull, Principal: { Service: 'lambda.amazonaws.com', AWS: STALE_ROLE } },
      pullFor(STAGING),
    );

    const merged = mergeRepositoryPolicy(existing, { accounts: [STAGING] });

    expect(merged).toMatchObject({ changed: true, dropped: [STALE_USER, STALE_ROLE] });
    expect(statementsOf(merged.policy)).toEqual([lambdaPull, pullFor(STAGING)]);
  });

  it('drops nothing from a policy without unique ids', () => {
    expect(mergeRepositoryPolicy(policy(ciPush, lambdaPull), { accounts: [STAGING] }).dropped).toEqual([]);
  });
});

describe('repository policy size', () => {
  const accounts = (n: number) => Array.from({ length: n }, (_, i) => String(200000000000 + i));

  it('outgrows what SetRepositoryPolicy accepts with one ARN per account for 400 accounts', () => {
    expect(grantPolicyLength({ accounts: accounts(400) })).toBeGreaterThan(REPOSITORY_POLICY_MAX_LENGTH);
    expect(grantPolicyLength({ accounts: accounts(100) })).toBeLessThan(REPOSITORY_POLICY_MAX_LENGTH);
  });

  it('stays small with an organization or OU-path grant, whatever the number of accounts', () => {
    expect(grantPolicyLength({ principalOrgId: ORG })).toBeLessThan(400);
    expect(grantPolicyLength({ principalOrgPaths: [`${ORG}/r-ab12/ou-ab12-11111111/`] })).toBeLessThan(400);
  });

  it('grants OU paths with aws:PrincipalOrgPaths, matching every account below each path', () => {
    const merged = mergeRepositoryPolicy(policy(pullFor(PROD)), {
      principalOrgPaths: [`${ORG}/r-ab12/ou-ab12-11111111/`],
    });

    expect(statementsOf(merged.policy)).toEqual([
      {
        Sid: REPOSITORY_PULL_SID,
        Effect: 'Allow',
        Principal: '*',
        Condition: { 'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': [`${ORG}/r-ab12/ou-ab12-11111111/*`] } },
        Action: REPOSITORY_PULL_ACTIONS,
      },
    ]);
    expect(policyGrantsPull(merged.policy, STAGING)).toBe(true);
  });
});

describe('policyGrantsPull', () => {
  const allow = (principal: unknown, action: unknown, extra: object = {}) => ({
    Effect: 'Allow',
    Principal: principal,
    Action: action,
    ...extra,
  });

  it.each<{ name: string; policy: string | undefined; grants: boolean }>([
    { name: 'no policy', policy: undefined, grants: false },
    {
      name: 'our statement for the account',
      policy: mergeRepositoryPolicy(undefined, { accounts: [STAGING] }).policy,
      grants: true,
    },
    { name: 'our statement for another account only', policy: policy(pullFor(PROD)), grants: false },
    {
      name: 'a foreign statement naming the bare account id',
      policy: policy(allow({ AWS: STAGING }, 'ecr:*')),
      grants: true,
    },
    { name: 'a public pull statement', policy: policy(allow('*', REPOSITORY_PULL_ACTIONS)), grants: true },
    {
      name: 'pull actions split over two statements',
      policy: policy(
        allow({ AWS: root(STAGING) }, 'ecr:BatchGet*'),
        allow({ AWS: [root(STAGING)] }, ['ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability']),
      ),
      grants: true,
    },
    {
      name: 'only some pull actions',
      policy: policy(allow({ AWS: root(STAGING) }, 'ecr:BatchGetImage')),
      grants: false,
    },
    {
      name: 'a role of the account rather than the account',
      policy: policy(allow({ AWS: `arn:aws:iam::${STAGING}:role/x` }, 'ecr:*')),
      grants: false,
    },
    {
      name: 'an organization grant',
      policy: mergeRepositoryPolicy(undefined, { principalOrgId: ORG }).policy,
      grants: true,
    },
    {
      name: 'a grant under a condition it cannot judge',
      policy: policy(
        allow({ AWS: root(STAGING) }, 'ecr:*', { Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }),
      ),
      grants: false,
    },
    {
      name: 'a grant overruled by an explicit deny',
      policy: policy(pullFor(STAGING), { Effect: 'Deny', Principal: '*', Action: 'ecr:BatchGetImage' }),
      grants: false,
    },
  ])('answers $grants for $name', ({ policy: text, grants }) => {
    expect(policyGrantsPull(text, STAGING)).toBe(grants);
  });
});

const OTHER = '444444444444';
describe('pullAccess', () => {
  it.each([
    ['no policy at all', undefined, undefined, 'not-yet'],
    ['a grant to the account', policy(allowPull({ AWS: `arn:aws:iam::${STAGING}:root` })), undefined, 'granted'],
    ['a grant to another account', policy(allowPull({ AWS: PROD })), undefined, 'not-yet'],
    ['a grant to everyone', policy(allowPull('*')), undefined, 'granted'],
    ['a grant, then an unconditional Deny', policy(allowPull({ AWS: STAGING }), denyAll(STAGING)), undefined, 'denied'],
    ['a Deny and no grant', policy(denyAll(STAGING)), undefined, 'denied'],
    [
      'a Deny with a condition, which cannot be judged here',
      policy({ ...denyAll(STAGING), Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      undefined,
      'not-yet',
    ],
    ["the map's organization granted", policy(allowPull('*', orgCondition(ORG))), ORG, 'granted'],
    ['another organization granted', policy(allowPull('*', orgCondition('o-zzzzzzzzzz'))), ORG, 'not-yet'],
    ['the account granted, the map granting by organization', policy(allowPull({ AWS: STAGING })), ORG, 'granted'],
    ['no policy, the map granting by organization', undefined, ORG, 'not-yet'],
    ['a Deny, the map granting by organization', policy(denyAll(`arn:aws:iam::${STAGING}:root`)), ORG, 'denied'],
  ])('%s: %s', (_, text, org, access) => {
    expect(pullAccess(text, STAGING, org)).toBe(access);
  });

  it('throws with the reason when the policy is not JSON', () => {
    expect(() => pullAccess('{nope', STAGING)).toThrow(/the ECR repository policy is not valid JSON/);
    expect(() => pullAccess('{nope', STAGING, ORG)).toThrow(/the ECR repository policy is not valid JSON/);
  });
});

describe('grantCommand', () => {
  const ctx: EcrContext = { repository: 'acme/web', orchestrator: { account: '111111111111', region: 'eu-west-1' } };
  const policyIn = (command: string) => {
    const quoted = /--policy-text '(.*)'$/s.exec(command)?.[1] ?? '';
    return quoted.replaceAll(`'\\''`, "'");
  };

  it('writes the merged policy, keeping the statements already there', () => {
    const existing = policy({ Sid: 'CiPush', Effect: 'Allow', Principal: { AWS: OTHER }, Action: 'ecr:PutImage' });
    const command = grantCommand(ctx, existing, [STAGING, PROD]);

    expect(command).toMatch(
      /^aws ecr set-repository-policy --region eu-west-1 --registry-id 111111111111 --repository-name acme\/web --policy-text '/,
    );
    expect(policyIn(command)).toBe(mergeRepositoryPolicy(existing, { accounts: [STAGING, PROD] }).policy);
    expect(policyGrantsPull(policyIn(command), STAGING) && policyGrantsPull(policyIn(command), PROD)).toBe(true);
  });

  it("quotes the policy for a POSIX shell, even when another team's statement holds a quote", () => {
    const existing = policy({ Sid: "Bob's", Effect: 'Allow', Principal: { AWS: OTHER }, Action: 'ecr:PutImage' });
    const command = grantCommand(ctx, existing, [STAGING]);
    expect(command).toContain(`"Sid":"Bob'\\''s"`);
    expect(JSON.parse(policyIn(command)).Statement[0].Sid).toBe("Bob's");
  });

  it('grants the organization when the map does', () => {
    const command = grantCommand({ ...ctx, principalOrgId: ORG }, undefined, [STAGING]);
    expect(JSON.parse(policyIn(command)).Statement[0]).toMatchObject({
      Principal: '*',
      Condition: { StringEquals: { 'aws:PrincipalOrgID': ORG } },
    });
  });
});
