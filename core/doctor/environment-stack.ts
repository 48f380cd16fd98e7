// Check env-stack, for whatever takes the environment's stack outputs (a templated service's instance, an
// application stack): whether `crossdeploy-env-<environment>` can give them in the target, and what to do when not.

import type { CallFailure, Outcome } from './checks';
import { deployRoleCallFailed } from './deploy-role';
import { type TargetPlace, where } from './targets';

/** What DescribeStacks, as the deploy role, said of one of crossdeploy's stacks in the target. */
export type StackRead =
  | { kind: 'stack'; status: string; statusReason?: string }
  | { kind: 'none' }
  | { kind: 'failed'; failure: CallFailure };

/** What takes the environment stack's outputs in a target, and what a problem with that stack does to it. */
export interface OutputsTaker {
  /** `crossdeploy-env-<environment>`, or null where the environment names no template. */
  environmentStack: string | null;
  /** What it takes instead where the environment names no template, e.g. `services/web v1.0 takes ...`. */
  withoutTemplate: string;
  /** What a push cannot do without the stack, e.g. `the first deploy cannot create the service`. */
  stops: string;
  /** Whether a problem stops this target's next push (a FAIL), or only targets that still need what it stops (a WARN). */
  blocking: boolean;
}

/** `aws cloudformation <verb> --stack-name ... --region ... (in account ...)`: a fix run where the stack is. */
export function stackCommand(verb: string, stack: string, target: TargetPlace): string {
  return `aws cloudformation ${verb} --stack-name ${stack} --region ${target.region} (in account ${target.account})`;
}

/**
 * Whether the environment's stack can give the taker its outputs. A stack whose creation rolled back
 * (ROLLBACK_COMPLETE) can only be deleted
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/troubleshooting.html#troubleshooting-errors-stack-rollback-complete),
 * and `env deploy` refuses it (StackNotDeployable) until someone does.
 */
export function environmentStackVerdict(
  target: TargetPlace,
  taker: OutputsTaker,
  read: StackRead | undefined,
): Outcome {
  const stack = taker.environmentStack;
  if (stack === null || read === undefined) {
    return { result: 'ok', detail: `environments.${target.environment} names no template: ${taker.withoutTemplate}` };
  }
  const graded = (outcome: Outcome): Outcome =>
    !taker.blocking && outcome.result === 'FAIL' ? { ...outcome, result: 'WARN' } : outcome;
  const deploy = `crossdeploy env deploy ${target.environment}`;
  const at = `${stack} in ${where(target)}`;
  const deleteIt = stackCommand('delete-stack', stack, target);
  if (read.kind === 'failed') return graded(deployRoleCallFailed(target, read.failure));
  if (read.kind === 'none' || read.status === 'DELETE_COMPLETE') {
    return graded({
      result: 'FAIL',
      detail: `stack ${at} does not exist: ${taker.stops} without its outputs`,
      fix: `provision the environment: ${deploy}`,
    });
  }
  const { status } = read;
  const reason = read.statusReason ? ` (${read.statusReason})` : '';
  if (status === 'ROLLBACK_COMPLETE') {
    return graded({
      result: 'FAIL',
      detail: `stack ${at} is ROLLBACK_COMPLETE${reason}: its creation rolled back, it has no outputs and can only be deleted`,
      fix: `delete it: ${deleteIt}, then ${deploy}`,
    });
  }
  if (status.endsWith('_FAILED')) {
    // Neither done nor undone: an update's rollback can be continued, anything else only deleted.
    const fix =
      status === 'UPDATE_ROLLBACK_FAILED'
        ? `continue its rollback: ${stackCommand('continue-update-rollback', stack, target)}, then ${deploy}`
        : `delete it: ${deleteIt}, then ${deploy}`;
    return graded({ result: 'FAIL', detail: `stack ${at} is ${status}${reason}`, fix });
  }
  if (status === 'DELETE_IN_PROGRESS') {
    return graded({ result: 'FAIL', detail: `stack ${at} is being deleted`, fix: `once it is gone: ${deploy}` });
  }
  if (status.endsWith('_IN_PROGRESS')) {
    return {
      result: 'WARN',
      detail: `stack ${at} is ${status}: an operation runs on it now`,
      fix: `wait for it to end (crossdeploy status), then run crossdeploy doctor again; if no ${deploy} runs, start one`,
    };
  }
  const rolledBack =
    status === 'UPDATE_ROLLBACK_COMPLETE' ? ': its last update rolled back, it runs the one before' : '';
  return { result: 'ok', detail: `stack ${at} is ${status}${rolledBack}` };
}
