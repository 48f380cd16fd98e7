// A policy write replaces the whole document, and other teams keep their own statements in the same
// repository and registry policies. So crossdeploy owns exactly one statement, found by its Sid, and
// writes every other statement back exactly as it read it.

import { InvalidStepInput } from './errors';

export type PullGrant = { accounts: string[] } | { principalOrgId: string };

export const REPOSITORY_PULL_SID = 'CrossdeployPull';
export const REPOSITORY_PULL_ACTIONS = [
  'ecr:BatchCheckLayerAvailability',
  'ecr:BatchGetImage',
  'ecr:GetDownloadUrlForLayer',
];
export const REGISTRY_REPLICATION_SID = 'CrossdeployReplication';
export const REGISTRY_REPLICATION_ACTIONS = ['ecr:CreateRepository', 'ecr:ReplicateImage'];

const POLICY_VERSION = '2012-10-17';
const ORG_ID_KEY = 'aws:PrincipalOrgID';

type Statement = Record<string, unknown>;
type PolicyDocument = Record<string, unknown> & { Statement: Statement[] };

export function mergeRepositoryPolicy(
  existing: string | undefined,
  grant: PullGrant,
): { policy: string; changed: boolean } {
  return mergeOwnStatement(existing, 'repository', REPOSITORY_PULL_SID, grant, {
    Action: [...REPOSITORY_PULL_ACTIONS],
  });
}

export function mergeRegistryPolicy(
  existing: string | undefined,
  grant: PullGrant,
  registry: { account: string; region: string },
): { policy: string; changed: boolean } {
  return mergeOwnStatement(existing, 'registry', REGISTRY_REPLICATION_SID, grant, {
    Action: [...REGISTRY_REPLICATION_ACTIONS],
    Resource: `arn:aws:ecr:${registry.region}:${registry.account}:repository/*`,
  });
}

/**
 * Whether the policy lets `account` pull: every pull action allowed by some Allow statement and denied by
 * no unconditional Deny. A statement conditioned only on `aws:PrincipalOrgID` counts, because a map that
 * grants by organization vouches that its accounts are members; any other condition cannot be judged here.
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

function mergeOwnStatement(
  existing: string | undefined,
  kind: string,
  sid: string,
  grant: PullGrant,
  permissions: Statement,
): { policy: string; changed: boolean } {
  const document = parsePolicy(existing, kind);
  const index = document.Statement.findIndex((s) => s.Sid === sid);
  const statement = { Sid: sid, Effect: 'Allow', ...principalFor(document.Statement[index], grant), ...permissions };
  const statements = index === -1 ? [...document.Statement, statement] : document.Statement.with(index, statement);
  const merged = { ...document, Version: POLICY_VERSION, Statement: statements };
  return { policy: JSON.stringify(merged), changed: canonicalJson(document) !== canonicalJson(merged) };
}

/**
 * Grants only widen. An organization grant replaces an account list (it covers those accounts), and an
 * existing organization grant is kept when a map lists accounts, so two maps that grant the same
 * repository differently do not take turns revoking each other's pulls.
 */
function principalFor(current: Statement | undefined, grant: PullGrant): Statement {
  if ('principalOrgId' in grant) {
    return { Principal: '*', Condition: { StringEquals: { [ORG_ID_KEY]: grant.principalOrgId } } };
  }
  if (current !== undefined && orgIdOf(current.Condition) !== undefined) {
    return { Principal: current.Principal, Condition: current.Condition };
  }
  for (const account of grant.accounts) {
    if (!/^\d{12}$/.test(account))
      throw new InvalidStepInput(`cannot grant ECR access to "${account}": not an AWS account id`);
  }
  const granted = new Set([...awsPrincipals(current?.Principal), ...grant.accounts].map(accountRoot));
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

function accountRoot(principal: string): string {
  return /^\d{12}$/.test(principal) ? `arn:aws:iam::${principal}:root` : principal;
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
    (test) => isObject(test) && Object.keys(test).every((key) => key.toLowerCase() === ORG_ID_KEY.toLowerCase()),
  );
}

function orgIdOf(condition: unknown): unknown {
  if (!isObject(condition)) return undefined;
  for (const test of Object.values(condition)) {
    if (!isObject(test)) continue;
    const key = Object.keys(test).find((k) => k.toLowerCase() === ORG_ID_KEY.toLowerCase());
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

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
