// Check 5, pass-role: whether the deploy role may pass the task and execution roles a revision names to ECS
// tasks, since RegisterTaskDefinition is refused otherwise.

import type { RoleKind } from '../iam/pass-role';
import { DEPLOY_ROLE_POLICY_NAME } from '../iam/target-account';
import { type CallFailure, type Outcome, TRANSIENT_FIX } from './checks';
import type { DoctorTarget } from './targets';

/** One role the revision names, and whether the deploy role's policy lets it pass the role to ECS tasks. */
export interface PassedRole {
  kind: RoleKind;
  arn: string;
  allowed: boolean;
}

const PATTERN: Record<RoleKind, { parameter: string; setting: string }> = {
  task: { parameter: 'TaskRoleArnPattern', setting: 'bootstrap.taskRoleArnPattern' },
  execution: { parameter: 'ExecutionRoleArnPattern', setting: 'bootstrap.executionRoleArnPattern' },
};

/** `source`: where the roles were read, e.g. `task definition arn:...:web:3`. */
export function passRoleOutcome(target: DoctorTarget, source: string, roles: readonly PassedRole[]): Outcome {
  if (roles.length === 0) return { result: 'ok', detail: `${source} names no task or execution role` };
  const refused = roles.filter((role) => !role.allowed);
  if (refused.length === 0) {
    return {
      result: 'ok',
      detail: `the deploy role may pass ${roles.map((role) => `${role.kind} role ${role.arn}`).join(' and ')} to ECS tasks`,
    };
  }
  return {
    result: 'FAIL',
    detail:
      `the deploy role may not pass ${refused.map((role) => `${role.kind} role ${role.arn}`).join(' or ')} ` +
      `(named by ${source}) to ECS tasks: RegisterTaskDefinition would be refused`,
    fix: refused
      .map(
        (role) =>
          `set ${PATTERN[role.kind].parameter} of the target-account stack in account ${target.account} to a ` +
          `pattern that matches ${role.arn} (${PATTERN[role.kind].setting} in the map, for the app's StackSet)`,
      )
      .join('; and '),
  };
}

/** The deploy role's policy could not be read: what a deploy may pass is unknown. */
export function passRolePolicyUnreadable(target: DoctorTarget, failure: CallFailure): Outcome {
  const detail = `cannot tell which roles the deploy role may pass: ${failure.action} failed: ${failure.error}`;
  if (failure.transient) return { result: 'WARN', detail, fix: TRANSIENT_FIX };
  if (failure.error.startsWith('NoSuchEntity')) {
    return {
      result: 'WARN',
      detail: `the deploy role has no policy named ${DEPLOY_ROLE_POLICY_NAME}: it was not made by the target-account stack`,
      fix:
        `make sure the deploy role in account ${target.account} may pass the service's task and execution roles ` +
        '(iam:PassRole, iam:PassedToService ecs-tasks.amazonaws.com), or deploy the target-account stack there',
    };
  }
  return {
    result: 'WARN',
    detail,
    fix:
      `deploy the current target-account stack in account ${target.account} (it lets the deploy role read its own ` +
      'policy), then run crossdeploy doctor again',
  };
}
