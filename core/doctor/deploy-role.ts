// Check 1, deploy-role: whether doctor could assume the deploy role, and what a call refused to that role means;
// every other target check runs as that role.

import { type CallFailure, NO_CREDENTIALS_FIX, type Outcome, TRANSIENT_FIX } from './checks';
import type { TargetPlace } from './targets';

export function roleOutcome(account: string, roleArn: string, failure?: CallFailure): Outcome {
  if (!failure) return { result: 'ok', detail: `assumed ${roleArn}` };
  const detail = `cannot assume ${roleArn}: ${failure.error}`;
  if (failure.noCredentials) return { result: 'FAIL', detail, fix: NO_CREDENTIALS_FIX };
  if (failure.transient) return { result: 'FAIL', detail, fix: TRANSIENT_FIX };
  return {
    result: 'FAIL',
    detail,
    fix:
      `bootstrap account ${account} with the target-account stack (crossdeploy bootstrap --print) and check its ` +
      'trust policy: it admits only tools-account roles named like its OrchestratorRoleNamePattern (crossdeploy-* ' +
      'by default) in the Organization, so run doctor as such a role, with the ExternalId the map sets, if any',
  };
}

/** A call made as the deploy role failed: the role lacks a permission (or AWS hiccupped). */
export function deployRoleCallFailed(target: TargetPlace, failure: CallFailure): Outcome {
  const detail = `${failure.action} failed: ${failure.error}`;
  if (failure.transient) return { result: 'FAIL', detail, fix: TRANSIENT_FIX };
  return {
    result: 'FAIL',
    detail,
    fix:
      `the deploy role in account ${target.account} must allow ${failure.action}: deploy the current ` +
      'target-account stack there (crossdeploy bootstrap --print)',
  };
}
