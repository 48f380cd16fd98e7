import { z } from 'zod';
import { settings } from '../aws/settings';
import { type S3Store, storeWaves } from '../aws/wave-store';
import { waveTarget } from '../core/contracts';
import { sharedS3Client } from './lib/clients';
import { lambdaStep } from './lib/lambda-step';
import { logger } from './lib/powertools';

const input = z.object({
  deploymentId: z.string().min(1),
  waves: z.array(
    z.object({
      maxConcurrency: z.number().int().min(1),
      failureTolerance: z.number().int().min(0),
      targets: z.array(waveTarget),
    }),
  ),
});

/**
 * Puts each wave's targets in the artifacts bucket and hands deploy-environment the waves with only where their
 * targets are: the environment's workflow then carries nothing that grows with them.
 */
export async function storeEnvironmentWaves(event: z.infer<typeof input>, s3: S3Store = sharedS3Client()) {
  const waves = await storeWaves(s3, settings.artifactsBucket(), event.deploymentId, event.waves);
  logger.info('waves stored', {
    deploymentId: event.deploymentId,
    waves: waves.map((w) => ({ targets: w.targetCount, at: w.store.targets })),
  });
  return waves;
}

export const handler = lambdaStep('store-waves', input, (event) => storeEnvironmentWaves(event));
