import { z } from 'zod';
import { type DocumentClient, releaseLease } from '../aws/lease';
import { settings } from '../aws/settings';
import { sharedDocumentClient } from './lib/clients';
import { lambdaStep } from './lib/lambda-step';
import { logger } from './lib/powertools';

const input = z.object({ lease: z.string().min(1), holder: z.string().min(1) });

/** Runs after every environment, deployed or failed, so the next deployment can start. */
export async function giveBackLease(event: z.infer<typeof input>, db: DocumentClient = sharedDocumentClient()) {
  const released = await releaseLease(settings.leasesTable(), event.lease, event.holder, db);
  logger.info(released ? 'deployment lease released' : 'deployment lease was no longer ours', event);
  return { released };
}

export const handler = lambdaStep('release-lease', input, (event) => giveBackLease(event));
