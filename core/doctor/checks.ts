// The vocabulary every doctor check speaks: the checks in report order, a verdict and its fix, a failed AWS call,
// and the fixes and skip reasons several checks share, so each check file holds only its own decisions.

/**
 * In the order they are reported for a target. service and alarms run as the deploy role, so they need it;
 * template and env-stack are reported only for a service the map gives a template (`services.<name>.template`):
 * template reads the registry in the tools account, env-stack the environment's stack as the deploy role;
 * container and platform read the service's revision (or the map's template, then they need nothing); pass-role
 * holds the roles that revision names against the deploy role's own policy; ecr-pull reads the tools account
 * with the caller's own credentials and needs none of the others. An application stack (`kind: stack`) has no
 * ECS service, image or task definition: it gets deploy-role, app-stack (its stack, as the deploy role), env-stack
 * and alarms only.
 */
export const CHECKS = [
  'deploy-role',
  'service',
  'app-stack',
  'template',
  'env-stack',
  'container',
  'platform',
  'pass-role',
  'alarms',
  'ecr-pull',
] as const;
export type CheckName = (typeof CHECKS)[number];
export type CheckResult = 'ok' | 'WARN' | 'FAIL' | 'skipped';

/** One check's verdict, before it is placed on a target. */
export interface Outcome {
  result: CheckResult;
  detail: string;
  fix?: string;
}

/** A failed AWS call, reduced to what a verdict needs. */
export interface CallFailure {
  /** `ecs:DescribeServices` */
  action: string;
  /** `AccessDenied: ...` */
  error: string;
  /** Throttling or a 5xx: worth running again, not worth changing anything. */
  transient: boolean;
  /** The caller has no AWS credentials at all. */
  noCredentials?: boolean;
}

export function skipped(reason: string): Outcome {
  return { result: 'skipped', detail: reason };
}

export const NEEDS_ROLE = 'needs the deploy role, which could not be assumed';
export const NEEDS_SERVICE = 'needs the service, which was not found';

export const TRANSIENT_FIX = 'AWS throttled the call or failed to answer (transient): run crossdeploy doctor again';
export const NO_CREDENTIALS_FIX =
  'give doctor AWS credentials of the tools account (AWS_PROFILE, or aws configure / aws sso login)';
