// rollback-target's first question: did the deployment it undoes move the service's instance stack to another
// template version? Then that stack goes back too, before the service does (state-machines/rollback-target.ts).

import { z } from 'zod';
import type { DocumentClient } from '../aws/lease';
import { anyLedgerRecord } from '../aws/ledger';
import { settings } from '../aws/settings';
import { deployTarget } from '../core/contracts';
import { ledgerKey } from '../core/ledger';
import { type InstanceToPutBack, instanceDeploymentId, instanceToPutBack } from '../core/stacks/service-instance';
import { sharedDocumentClient } from './lib/clients';
import { lambdaStep } from './lib/lambda-step';
import { logger } from './lib/powertools';

const input = z.object({
  deploymentId: z.string().min(1),
  serviceName: z.string().min(1),
  environment: z.string().min(1),
  target: deployTarget,
});

export type InstanceChange =
  | { changed: false }
  | {
      changed: true;
      deploymentId: string;
      stack: { account: string; region: string; stackName: string };
      revision: { previous: string };
    };

export async function findInstanceChange(
  event: z.infer<typeof input>,
  db: DocumentClient = sharedDocumentClient(),
  table: string = settings.ledgerTable(),
): Promise<InstanceChange> {
  const { target } = event;
  const deploymentId = instanceDeploymentId(event.deploymentId);
  const record = await anyLedgerRecord(
    table,
    ledgerKey(event.serviceName, event.environment, target),
    deploymentId,
    db,
  );
  const instance: InstanceToPutBack | null = instanceToPutBack(record);
  if (!instance) return { changed: false };
  logger.info('service instance to put back', { account: target.account, region: target.region, ...instance });
  return {
    changed: true,
    deploymentId,
    stack: { account: target.account, region: target.region, stackName: instance.stackName },
    revision: { previous: instance.previous },
  };
}

export const handler = lambdaStep('find-instance-change', input, (event) => findInstanceChange(event));
