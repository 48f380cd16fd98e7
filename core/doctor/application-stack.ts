// Checks app-stack, env-stack and alarms of an application stack (`kind: stack`): every push of it makes a change
// set on `crossdeploy-app-<service>-<environment>` in each target (functions/create-stack-change-set.ts), so what
// matters before one is whether CloudFormation would take that change set there, whether the environment's stack
// can give the parameters the template takes from its outputs, and whether the alarms its bake watches exist.

import { acceptsChangeSet } from '../stacks/status';
import { alarmsBeforeCreation, alarmsOutcome } from './alarms';
import type { Outcome } from './checks';
import { deployRoleCallFailed } from './deploy-role';
import { environmentStackVerdict, type StackRead, stackCommand } from './environment-stack';
import { type StackDoctorTarget, where } from './targets';

/** Whether a push can deploy the application stack in this target: absent is fine, its first push creates it. */
export function applicationStackOutcome(target: StackDoctorTarget, read: StackRead): Outcome {
  if (read.kind === 'failed') return deployRoleCallFailed(target, read.failure);
  const at = `${target.stack} in ${where(target)}`;
  if (read.kind === 'none' || read.status === 'DELETE_COMPLETE') {
    return { result: 'ok', detail: `stack ${at} does not exist yet: its first push creates it` };
  }
  const { status } = read;
  switch (acceptsChangeSet(status)) {
    case 'create':
      return { result: 'ok', detail: `stack ${at} is ${status}, with nothing created yet: a push creates it` };
    case 'update': {
      const rolledBack =
        status === 'UPDATE_ROLLBACK_COMPLETE' ? ': its last update rolled back, it runs the one before' : '';
      return { result: 'ok', detail: `stack ${at} is ${status}${rolledBack}` };
    }
    case 'busy':
      // deploy-stack retries StackBusy (state-machines/deploy-stack.ts): a push waits, and fails if it outlasts that.
      return {
        result: 'WARN',
        detail: `stack ${at} is ${status}: an operation runs on it now, and a push waits for it to end`,
        fix: 'wait for it to end (crossdeploy status), then run crossdeploy doctor again',
      };
    case 'blocked': {
      const reason = read.statusReason ? ` (${read.statusReason})` : '';
      return {
        result: 'FAIL',
        detail: `stack ${at} is ${status}${reason}: CloudFormation takes no change set on it, so every push fails here`,
        fix: `${repairOf(status, target)}, then push again`,
      };
    }
  }
}

/**
 * The environment's alarms in the target. Before the stack holds anything, the application's template may create
 * them with it, so a missing one is only known to matter once it does; a stack that could not be read is judged
 * as one that exists.
 */
export function applicationAlarmsOutcome(
  target: StackDoctorTarget,
  stack: StackRead,
  found: ReadonlyArray<{ name: string; state?: string }>,
): Outcome {
  return holdsNothingYet(stack)
    ? alarmsBeforeCreation(target, found, `the template of ${target.service}`, 'the stack')
    : alarmsOutcome(target, found);
}

/**
 * No stack, or one that holds no resource: DescribeStacks by name answers "does not exist" once a deletion
 * completes, so DELETE_COMPLETE is as gone; REVIEW_IN_PROGRESS holds a change set that created nothing yet, and
 * ROLLBACK_COMPLETE a creation CloudFormation undid.
 */
function holdsNothingYet(read: StackRead): boolean {
  if (read.kind !== 'stack') return read.kind === 'none';
  const { status } = read;
  return status === 'DELETE_COMPLETE' || status === 'ROLLBACK_COMPLETE' || acceptsChangeSet(status) === 'create';
}

/**
 * How to bring a stack CloudFormation refuses back to one it takes a change set on. A stack whose creation rolled
 * back, whose creation's rollback failed or whose deletion failed holds nothing a push should keep: delete it, and
 * the next push creates it
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/troubleshooting.html#troubleshooting-errors-stack-rollback-complete,
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DeleteStack.html). A failed update's
 * rollback can be continued
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/troubleshooting.html#troubleshooting-errors-update-rollback-failed),
 * and a stack left in CREATE_FAILED or UPDATE_FAILED rolled back to its last stable state
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_RollbackStack.html).
 */
function repairOf(status: string, target: StackDoctorTarget): string {
  const run = (verb: string) => stackCommand(verb, target.stack, target);
  switch (status) {
    case 'ROLLBACK_COMPLETE':
    case 'ROLLBACK_FAILED':
    case 'DELETE_FAILED':
      return `delete it: ${run('delete-stack')}`;
    case 'UPDATE_ROLLBACK_FAILED':
      return `continue its rollback: ${run('continue-update-rollback')}`;
    case 'CREATE_FAILED':
    case 'UPDATE_FAILED':
      return `roll it back: ${run('rollback-stack')}`;
    default:
      return `find why in its events (${run('describe-stack-events')}) and bring it back to a *_COMPLETE status`;
  }
}

/**
 * The env-stack check of an application stack. Every push, not only the first, reads the environment's stack for
 * the parameters the template declares from its outputs (functions/create-stack-change-set.ts), so a problem with
 * it stops every target: always a FAIL.
 */
export function applicationEnvironmentStackOutcome(target: StackDoctorTarget, read: StackRead | undefined): Outcome {
  return environmentStackVerdict(
    target,
    {
      environmentStack: target.environmentStack,
      withoutTemplate: `the stack takes only services.${target.service}.stack.parameters`,
      stops: 'a push cannot deploy the application stack',
      blocking: true,
    },
    read,
  );
}
