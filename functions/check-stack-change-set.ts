// deploy-stack's wait for CloudFormation to prepare the change set: ready, nothing to change, still pending, or
// refused (terminal: nothing in the target changed).

import { z } from 'zod';
import { describeChangeSet } from '../aws/stacks';
import { type TargetClientFactory, targetClientFactory } from '../aws/target-clients';
import { checkLoop, deployRole, stackTarget } from '../core/contracts';
import { ChangeSetFailed, StackTimedOut, describeStack as where } from '../core/errors';
import { type ChangeSetState, changeSetState } from '../core/stacks/status';
import { lambdaStep } from './lib/lambda-step';
import { logger } from './lib/powertools';

const input = z.object({
  target: stackTarget,
  deployRole,
  changeSetId: z.string().min(1),
  rollout: checkLoop,
  /** Checks made so far; absent on the first. */
  checks: z.number().int().min(0).optional(),
});

export async function checkChangeSet(
  event: z.infer<typeof input>,
  clients: TargetClientFactory = targetClientFactory(),
): Promise<{ state: Exclude<ChangeSetState, 'FAILED'>; checks: number }> {
  const { target } = event;
  const { cloudformation } = clients(target, event.deployRole);
  const { status, statusReason } = await describeChangeSet(cloudformation, target, event.changeSetId);
  const state = changeSetState(status, statusReason);
  const checks = (event.checks ?? 0) + 1;
  logger.info('change set checked', {
    account: target.account,
    region: target.region,
    stack: target.stackName,
    status,
    state,
  });
  if (state === 'FAILED') {
    throw new ChangeSetFailed(`${where(target)}: CloudFormation refused the change set: ${statusReason ?? status}`);
  }
  if (state === 'PENDING' && checks >= Math.max(event.rollout.checks, 1)) {
    throw new StackTimedOut(`${where(target)}: the change set was still ${status} after ${checks} checks`);
  }
  return { state, checks };
}

export const handler = lambdaStep('check-stack-change-set', input, (event) => checkChangeSet(event));
