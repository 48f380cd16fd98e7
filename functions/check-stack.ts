// deploy-stack's and rollback-stack's wait for the stack to settle. A stack CloudFormation rolled back fails the
// deployment with the resource that failed and CloudFormation's reason; events older than the execution are
// another deployment's and are not read.

import { z } from 'zod';
import { describeStack, stackEventsSince } from '../aws/stacks';
import { type TargetClientFactory, targetClientFactory } from '../aws/target-clients';
import { checkLoop, deployRole, stackTarget } from '../core/contracts';
import { StackNotDeployable, StackRolledBack, StackTimedOut, describeStack as where } from '../core/errors';
import { describeFailure, eventsSince, failingResource, stackState } from '../core/stacks/status';
import { lambdaStep } from './lib/lambda-step';
import { logger } from './lib/powertools';

const input = z.object({
  target: stackTarget,
  deployRole,
  rollout: checkLoop,
  progress: z.object({
    executedAt: z.string().min(1),
    checks: z.number().int().min(0),
    /** Deleting a stack the deployment created: gone is done. */
    deleting: z.boolean().optional(),
  }),
});

export interface StackProgress {
  executedAt: string;
  checks: number;
  deleting?: boolean;
  state: 'IN_PROGRESS' | 'COMPLETED';
  summary: string;
  outputs: Record<string, string>;
}

export async function checkStack(
  event: z.infer<typeof input>,
  clients: TargetClientFactory = targetClientFactory(),
): Promise<StackProgress> {
  const { target, progress } = event;
  const { cloudformation } = clients(target, event.deployRole);
  const stack = await describeStack(cloudformation, target);
  const checks = progress.checks + 1;
  const next = (state: StackProgress['state'], summary: string, outputs: Record<string, string> = {}) => {
    logger.info('stack checked', {
      account: target.account,
      region: target.region,
      stack: target.stackName,
      state,
      summary,
    });
    return { ...progress, checks, state, summary, outputs };
  };
  if (progress.deleting && (!stack || stack.status === 'DELETE_COMPLETE')) return next('COMPLETED', 'stack deleted');
  if (!stack) throw new StackNotDeployable(`${where(target)}: the stack disappeared while it was being deployed`);
  const state = stackState(stack.status);
  if (state === 'COMPLETED') return next('COMPLETED', `stack ${stack.status}`, stack.outputs);
  if (state === 'IN_PROGRESS') {
    if (checks >= Math.max(event.rollout.checks, 1)) {
      throw new StackTimedOut(`${where(target)}: the stack was still ${stack.status} after ${checks} checks`);
    }
    return next('IN_PROGRESS', `stack ${stack.status}`);
  }
  const since = eventsSince(progress.executedAt);
  const events = await stackEventsSince(cloudformation, target, since);
  const evidence = describeFailure(stack.status, stack.statusReason, failingResource(events, since));
  if (state === 'ROLLED_BACK')
    throw new StackRolledBack(`${where(target)}: CloudFormation rolled the stack back: ${evidence}`);
  throw new StackNotDeployable(`${where(target)}: the stack failed and did not roll back: ${evidence}`);
}

export const handler = lambdaStep('check-stack', input, (event) => checkStack(event));
