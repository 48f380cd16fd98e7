// Repository policies as the ECR pull checks read them, written the way a test names a case: a policy of
// statements, a pull grant to a principal, an organization condition, a blanket Deny.

import { REPOSITORY_PULL_ACTIONS } from '../../core/ecr-policy';

/** A repository policy's text, holding `statements` in order. */
export const policy = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });

export const allowPull = (principal: unknown, condition?: object) => ({
  Effect: 'Allow',
  Principal: principal,
  Action: REPOSITORY_PULL_ACTIONS,
  ...(condition ? { Condition: condition } : {}),
});

export const orgCondition = (org: string) => ({ StringEquals: { 'aws:PrincipalOrgID': org } });

export const denyAll = (account: string) => ({ Effect: 'Deny', Principal: { AWS: account }, Action: 'ecr:*' });
