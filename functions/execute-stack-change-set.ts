// deploy-stack's one change to the target: CloudFormation applies the change set, and rolls the stack back by itself
// if a resource fails.

import { z } from 'zod';
import { executeChangeSet } from '../aws/stacks';
import { type TargetClientFactory, targetClientFactory } from '../aws/target-clients';
import { deployRole, stackTarget } from '../core/contracts';
import { lambdaStep } from './lib/lambda-step';
import { logger } from './lib/powertools';

const input = z.object({ target: stackTarget, deployRole, changeSetId: z.string().min(1) });

export async function executeStackChangeSet(
  event: z.infer<typeof input>,
  clients: TargetClientFactory = targetClientFactory(),
  now: () => Date = () => new Date(),
): Promise<{ executedAt: string; checks: number }> {
  const { target } = event;
  const executedAt = now().toISOString();
  await executeChangeSet(clients(target, event.deployRole).cloudformation, target, event.changeSetId);
  logger.info('change set executed', { account: target.account, region: target.region, stack: target.stackName });
  return { executedAt, checks: 0 };
}

export const handler = lambdaStep('execute-stack-change-set', input, (event) => executeStackChangeSet(event));
