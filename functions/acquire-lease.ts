import { z } from 'zod';
import { acquireLease, type DocumentClient } from '../aws/lease';
import { settings } from '../aws/settings';
import { sharedDocumentClient } from './lib/clients';
import { lambdaStep } from './lib/lambda-step';
import { logger } from './lib/powertools';

const input = z.object({
  lease: z.string().min(1),
  holder: z.string().min(1),
  ttlSeconds: z.number().int().positive(),
});

/** At most one deployment mutates a service × environment at a time; a held lease fails with `LeaseHeld`. */
export async function takeLease(
  event: z.infer<typeof input>,
  db: DocumentClient = sharedDocumentClient(),
  now: () => Date = () => new Date(),
) {
  await acquireLease(settings.leasesTable(), event, db, now());
  logger.info('deployment lease acquired', { lease: event.lease, holder: event.holder });
  return { lease: event.lease, holder: event.holder };
}

export const handler = lambdaStep('acquire-lease', input, (event) => takeLease(event));
