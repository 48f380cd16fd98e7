// A policy write replaces the whole document, and other teams keep their own statements in the same
// repository policy. So crossdeploy owns exactly one statement, found by its Sid, and writes every other
// statement back as it read it, less principals that can no longer match anyone (see staleUniqueId). Whether a
// policy lets an account pull, now or once that statement is written, is judged here too.

import { InvalidStepInput } from './errors';
import { isObject } from './json';
import { type Partition, partitionOf } from './partition';

/** By account (one ARN each), by organization, or by organizational-unit paths (`o-…/r-…/ou-…/`). */
export type PullGrant = { accounts: string[] } | { principalOrgId: string } | { principalOrgPaths: string[] };

/**
 * `policyText` of SetRepositoryPolicy: "Maximum length of 10240"
 * (https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_SetRepositoryPolicy.html).
 */
export const REPOSITORY_POLICY_MAX_LENGTH = 10_240;

export const REPOSITORY_PULL_SID = 'CrossdeployPull';
export const REPOSITORY_PULL_ACTIONS = [
  'ecr:BatchCheckLayerAvailability',
  'ecr:BatchGetImage',
  'ecr:GetDownloadUrlForLayer',
];

const POLICY_VERSION = '2012-10-17';
const ORG_ID_KEY = 'aws:PrincipalOrgID';
const ORG_PATHS_KEY = 'aws:PrincipalOrgPaths';
const ORG_KEYS = [ORG_ID_KEY, ORG_PATHS_KEY].map((key) => key.toLowerCase());

type Statement = Record<string, unknown>;
type PolicyDocument = Record<string, unknown> & { Statement: Statement[] };

export interface MergedPolicy {
  policy: string;
  changed: boolean;
  /** Unique ids of deleted principals taken out of other statements (see staleUniqueId). */
  dropped: string[];
}

/** `partition` spells the account roots granted by account (`arn:<partition>:iam::<account>:root`). */
export function mergeRepositoryPolicy(
  existing: string | undefined,
  grant: PullGrant,
  partition: Partition['name'] = 'aws',
): MergedPolicy {
  const document = parsePolicy(existing, 'repository');
  const dropped: string[] = [];
  const kept = document.Statement.flatMap((s) => (s.Sid === REPOSITORY_PULL_SID ? [s] : withoutStale(s, dropped)));
  const index = kept.findIndex((s) => s.Sid === REPOSITORY_PULL_SID);
  const statement = {
    Sid: REPOSITORY_PULL_SID,
    Effect: 'Allow',
    ...principalFor(kept[index], grant, partition),
    Action: [...REPOSITORY_PULL_ACTIONS],
  };
  const statements = index === -1 ? [...kept, statement] : kept.with(index, statement);
  const merged = { ...document, Version: POLICY_VERSION, Statement: statements };
  return { policy: JSON.stringify(merged), changed: canonicalJson(document) !== canonicalJson(merged), dropped };
}

/** The length of the policy that holds crossdeploy's grant alone: what validate holds against the cap. */
export function grantPolicyLength(grant: PullGrant): number {
  return mergeRepositoryPolicy(undefined, grant).policy.length;
}

/**
 * A principal of a deleted role or user shows as its unique id (`AROA…`, `AIDA…`) and never matches
 * anyone again, not even a role re-created under the same name
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-roles).
 * Dropping it changes nobody's access, and SetRepositoryPolicy refuses a policy whose principal it cannot
 * resolve, which would block every later write of the repository's policy.
 */
export function staleUniqueId(principal: string): boolean {
  return /^A(?:ROA|IDA)[A-Z0-9]{12,}$/.test(principal);
}

function withoutStale(statement: Statement, dropped: string[]): Statement[] {
  const principal = statement.Principal;
  if (!isObject(principal) || principal.AWS === undefined) return [statement];
  const named = [principal.AWS].flat();
  const stale = named.filter((p): p is string => typeof p === 'string' && staleUniqueId(p));
  if (stale.length === 0) return [statement];
  dropped.push(...stale);
  const kept = named.filter((p) => !stale.includes(p as string));
  const { AWS: _aws, ...others } = principal;
  if (kept.length === 0 && Object.keys(others).length === 0) return [];
  return [{ ...statement, Principal: kept.length === 0 ? others : { ...others, AWS: kept } }];
}

/**
 * Whether the policy lets `account` pull: every pull action allowed by some Allow statement and denied by
 * no unconditional Deny. A statement conditioned only on `aws:PrincipalOrgID` or `aws:PrincipalOrgPaths`
 * counts, because a map that grants by organization vouches that its accounts are members; any other
 * condition cannot be judged here.
 */
export function policyGrantsPull(policy: string | undefined, account: string): boolean {
  const { Statement: statements } = parsePolicy(policy, 'repository');
  const covers = (statement: Statement, action: string) =>
    principalCovers(statement.Principal, account) && patternsMatch(statement.Action, action);
  const denied = statements.some(
    (s) => s.Effect === 'Deny' && s.Condition === undefined && REPOSITORY_PULL_ACTIONS.some((a) => covers(s, a)),
  );
  return (
    !denied &&
    REPOSITORY_PULL_ACTIONS.every((action) =>
      statements.some((s) => s.Effect === 'Allow' && onlyOrgCondition(s.Condition) && covers(s, action)),
    )
  );
}

/** A repository in the tools account, and the organization the map grants pulls by, if it does. */
export interface EcrContext {
  repository: string;
  orchestrator: { account: string; region: string };
  principalOrgId?: string;
}

export type PullAccess = 'granted' | 'not-yet' | 'denied';

/**
 * Whether `account` can pull now; if not, whether crossdeploy's own grant (written on the first deploy) would
 * let it, or another statement denies it whatever crossdeploy writes. Evaluated with policyGrantsPull. With an
 * organization grant, only grants to the map's organization count: the map vouches for that one alone.
 * Throws when the policy is not valid JSON.
 */
export function pullAccess(policy: string | undefined, account: string, principalOrgId?: string): PullAccess {
  const grant: PullGrant = principalOrgId === undefined ? { accounts: [account] } : { principalOrgId };
  const judge = (text: string | undefined) =>
    policyGrantsPull(principalOrgId === undefined ? text : withoutOtherOrganizations(text, principalOrgId), account);
  if (judge(policy)) return 'granted';
  return judge(mergeRepositoryPolicy(policy, grant).policy) ? 'not-yet' : 'denied';
}

/** The AWS CLI command that writes the policy crossdeploy's first deploy would write, for every account at once. */
export function grantCommand(ctx: EcrContext, policy: string | undefined, accounts: readonly string[]): string {
  const grant: PullGrant =
    ctx.principalOrgId === undefined ? { accounts: [...new Set(accounts)] } : { principalOrgId: ctx.principalOrgId };
  const merged = mergeRepositoryPolicy(policy, grant, partitionOf(ctx.orchestrator.region).name).policy;
  return (
    `aws ecr set-repository-policy --region ${ctx.orchestrator.region} --registry-id ${ctx.orchestrator.account} ` +
    `--repository-name ${ctx.repository} --policy-text ${shellQuote(merged)}`
  );
}

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** The policy without Allow statements conditioned on another organization than `orgId`. */
function withoutOtherOrganizations(policy: string | undefined, orgId: string): string | undefined {
  let document: unknown;
  try {
    document = policy === undefined ? undefined : JSON.parse(policy);
  } catch {
    return policy; // policyGrantsPull says what is wrong with it
  }
  if (!isObject(document)) return policy;
  const statements = document.Statement === undefined ? [] : [document.Statement].flat();
  const kept = statements.filter((statement) => {
    if (!isObject(statement) || statement.Effect !== 'Allow' || !isObject(statement.Condition)) return true;
    const orgs = Object.values(statement.Condition).flatMap((test) =>
      isObject(test)
        ? Object.entries(test)
            .filter(([key]) => key.toLowerCase() === ORG_ID_KEY.toLowerCase())
            .flatMap(([, value]) => [value].flat())
        : [],
    );
    return orgs.length === 0 || orgs.includes(orgId);
  });
  return JSON.stringify({ ...document, Statement: kept });
}

/**
 * Grants only widen. An organization grant replaces an account list (it covers those accounts), and an
 * existing organization grant is kept when a map lists accounts, so two maps that grant the same
 * repository differently do not take turns revoking each other's pulls.
 */
function principalFor(current: Statement | undefined, grant: PullGrant, partition: Partition['name']): Statement {
  if ('principalOrgId' in grant) {
    return { Principal: '*', Condition: { StringEquals: { [ORG_ID_KEY]: grant.principalOrgId } } };
  }
  if ('principalOrgPaths' in grant) {
    if (grant.principalOrgPaths.length === 0) throw new InvalidStepInput('an ECR grant by OU paths needs a path');
    const paths = grant.principalOrgPaths.map((path) => `${path.replace(/\*$/, '')}*`);
    return { Principal: '*', Condition: { 'ForAnyValue:StringLike': { [ORG_PATHS_KEY]: paths } } };
  }
  if (current !== undefined && orgConditionOf(current.Condition) !== undefined) {
    return { Principal: current.Principal, Condition: current.Condition };
  }
  for (const account of grant.accounts) {
    if (!/^\d{12}$/.test(account))
      throw new InvalidStepInput(`cannot grant ECR access to "${account}": not an AWS account id`);
  }
  const granted = new Set(
    [...awsPrincipals(current?.Principal), ...grant.accounts].map((p) => accountRoot(p, partition)),
  );
  if (granted.size === 0) throw new InvalidStepInput('an ECR grant needs at least one account or an organization id');
  return { Principal: { AWS: [...granted].sort() } };
}

function parsePolicy(text: string | undefined, kind: string): PolicyDocument {
  if (text === undefined || text.trim() === '') return { Statement: [] };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`the ECR ${kind} policy is not valid JSON (${(error as Error).message}); fix it before deploying`, {
      cause: error,
    });
  }
  if (!isObject(parsed)) throw new Error(`the ECR ${kind} policy is not a JSON object`);
  // IAM accepts a lone statement object where a list is expected.
  const raw = parsed.Statement === undefined ? [] : [parsed.Statement].flat();
  if (!raw.every(isObject)) throw new Error(`the ECR ${kind} policy has a Statement that is not a JSON object`);
  return { ...parsed, Statement: raw };
}

function awsPrincipals(principal: unknown): string[] {
  if (principal === '*') return ['*'];
  return isObject(principal) ? [principal.AWS].flat().filter((p): p is string => typeof p === 'string') : [];
}

function accountRoot(principal: string, partition: Partition['name']): string {
  return /^\d{12}$/.test(principal) ? `arn:${partition}:iam::${principal}:root` : principal;
}

function principalCovers(principal: unknown, account: string): boolean {
  return awsPrincipals(principal).some(
    (p) => p === '*' || p === account || /^arn:[\w-]+:iam::(\d{12}):root$/.exec(p)?.[1] === account,
  );
}

function patternsMatch(patterns: unknown, action: string): boolean {
  return [patterns]
    .flat()
    .filter((p): p is string => typeof p === 'string')
    .some((p) => globToRegExp(p).test(action));
}

// IAM action names match case-insensitively, with * and ? wildcards.
function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

function onlyOrgCondition(condition: unknown): boolean {
  if (condition === undefined) return true;
  if (!isObject(condition)) return false;
  return Object.values(condition).every(
    (test) => isObject(test) && Object.keys(test).every((key) => ORG_KEYS.includes(key.toLowerCase())),
  );
}

function orgConditionOf(condition: unknown): unknown {
  if (!isObject(condition)) return undefined;
  for (const test of Object.values(condition)) {
    if (!isObject(test)) continue;
    const key = Object.keys(test).find((k) => ORG_KEYS.includes(k.toLowerCase()));
    if (key !== undefined) return test[key];
  }
  return undefined;
}

/**
 * A form in which semantically equal policies serialize identically: keys sorted, string lists treated as
 * sets, a lone string equal to a list of one, and `"Principal": "*"` equal to `{"AWS": "*"}`.
 */
function canonicalJson(document: PolicyDocument): string {
  return JSON.stringify(canonical(document));
}

const SCALAR_KEYS = new Set(['Version', 'Id', 'Sid', 'Effect']);

function canonical(value: unknown, key?: string): unknown {
  if (key === 'Principal' && value === '*') return { AWS: ['*'] };
  if (typeof value === 'string') return key === undefined || SCALAR_KEYS.has(key) ? value : [value];
  if (Array.isArray(value)) {
    return value.every((v) => typeof v === 'string') ? [...new Set(value)].sort() : value.map((v) => canonical(v));
  }
  if (!isObject(value)) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, canonical(value[k], k)]),
  );
}
