// Check 7, ecr-pull: whether the repository policy in the tools account lets each target account pull the image;
// one policy decides every target of its repository, so this check answers for many accounts at once.

import { type EcrContext, grantCommand, type PullAccess, pullAccess } from '../ecr-policy';
import { type CallFailure, NO_CREDENTIALS_FIX, type Outcome, TRANSIENT_FIX } from './checks';

/** The repository policy as GetRepositoryPolicy gave it: no policy at all is `text: undefined`. */
export type PolicyRead =
  | { kind: 'policy'; text: string | undefined }
  | { kind: 'no-repository' }
  | { kind: 'failed'; failure: CallFailure };

/** One outcome per account (in order); a grant missing everywhere gets one command that grants them all. */
export function ecrPullOutcomes(ctx: EcrContext, read: PolicyRead, accounts: readonly string[]): Outcome[] {
  const { repository, orchestrator } = ctx;
  const at = `${orchestrator.account}/${orchestrator.region}`;
  if (read.kind === 'no-repository') {
    const outcome: Outcome = {
      result: 'FAIL',
      detail: `ECR repository ${repository} does not exist in ${at}`,
      fix:
        `deploy the orchestrator (npx sst deploy), which creates the map's repositories, or create it: ` +
        `aws ecr create-repository --region ${orchestrator.region} --repository-name ${repository}`,
    };
    return accounts.map(() => outcome);
  }
  if (read.kind === 'failed') {
    const { failure } = read;
    const outcome: Outcome = {
      result: 'FAIL',
      detail: `${failure.action} failed: ${failure.error}`,
      fix: failure.noCredentials
        ? NO_CREDENTIALS_FIX
        : failure.transient
          ? TRANSIENT_FIX
          : `run doctor with credentials of the tools account ${orchestrator.account} that may call ${failure.action} on ${repository}`,
    };
    return accounts.map(() => outcome);
  }
  let access: PullAccess[];
  try {
    access = accounts.map((account) => pullAccess(read.text, account, ctx.principalOrgId));
  } catch (error) {
    const outcome: Outcome = {
      result: 'FAIL',
      detail: (error as Error).message,
      fix: `correct the policy: aws ecr get-repository-policy --region ${orchestrator.region} --repository-name ${repository}`,
    };
    return accounts.map(() => outcome);
  }
  const waiting = accounts.filter((_, index) => access[index] === 'not-yet');
  // Only when someone waits: a grant to no account is no policy at all (mergeRepositoryPolicy refuses it).
  const command = waiting.length > 0 ? grantCommand(ctx, read.text, waiting) : '';
  const grantee = (account: string) =>
    ctx.principalOrgId === undefined ? `account ${account}` : `organization ${ctx.principalOrgId} (${account})`;
  return accounts.map((account, index): Outcome => {
    switch (access[index]) {
      case 'granted':
        return { result: 'ok', detail: `the policy of ${repository} lets ${grantee(account)} pull` };
      case 'not-yet':
        return {
          result: 'WARN',
          detail:
            read.text === undefined
              ? `${repository} has no repository policy yet`
              : `the policy of ${repository} does not grant ${grantee(account)} pull yet`,
          fix: `the first deploy writes it; or run: ${command}`,
        };
      default:
        return {
          result: 'FAIL',
          detail: `the policy of ${repository} denies ${account} pull, whatever grant crossdeploy writes`,
          fix: `remove or narrow the Deny statement in the repository policy of ${repository} (${at}) that covers account ${account}`,
        };
    }
  });
}
