// rollback-stack's way back for a stack the failed wave's deployment created: there was nothing before it.

import { z } from 'zod';
import { deleteStack } from '../aws/stacks';
import { type TargetClientFactory, targetClientFactory } from '../aws/target-clients';
import { deployRole, stackTarget } from '../core/contracts';
import { lambdaStep } from './lib/lambda-step';
import { logger } from './lib/powertools';

const input = z.object({ target: stackTarget, deployRole });

export async function deleteCreatedStack(
  event: z.infer<typeof input>,
  clients: TargetClientFactory = targetClientFactory(),
  now: () => Date = () => new Date(),
): Promise<{ executedAt: string; checks: number; deleting: true }> {
  const { target } = event;
  const executedAt = now().toISOString();
  await deleteStack(clients(target, event.deployRole).cloudformation, target);
  logger.info('stack deleted', { account: target.account, region: target.region, stack: target.stackName });
  return { executedAt, checks: 0, deleting: true };
}

export const handler = lambdaStep('delete-stack', input, (event) => deleteCreatedStack(event));
