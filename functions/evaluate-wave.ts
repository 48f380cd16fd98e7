import { z } from 'zod';
import type { DocumentClient } from '../aws/lease';
import { anyLedgerRecord } from '../aws/ledger';
import { settings } from '../aws/settings';
import { caughtFailure, revisionRef, type TargetOutcome, type WaveTarget, waveTarget } from '../core/contracts';
import { ledgerKey, revisionToPutBack } from '../core/ledger';
import { evaluateWave, outcomeFromFailure } from '../core/wave';
import { sharedDocumentClient } from './lib/clients';
import { lambdaStep } from './lib/lambda-step';
import { logger } from './lib/powertools';

// The wave's Map gathers one small outcome per target, in the order of the wave's targets: the targets
// themselves are not repeated there, so that a wave of hundreds stays within a state's 256 KiB.
const succeeded = z.object({ succeeded: z.literal(true), revision: revisionRef });
const failed = z.object({
  succeeded: z.literal(false),
  failure: caughtFailure.extend({ Status: z.string().optional() }),
});

const input = z
  .object({
    deploymentId: z.string().min(1),
    serviceName: z.string().min(1),
    environment: z.string(),
    waveNumber: z.number().int().min(0),
    failureTolerance: z.number().int().min(0),
    targets: z.array(waveTarget),
    outcomes: z.array(z.discriminatedUnion('succeeded', [succeeded, failed])),
  })
  .refine((wave) => wave.targets.length === wave.outcomes.length, {
    message: 'a wave has one outcome per target',
    path: ['outcomes'],
  });

type Wave = z.infer<typeof input>;

/** Decides whether a wave stands or falls as a whole, and which of its targets to roll back. */
export async function judgeWave(event: Wave, db: DocumentClient = sharedDocumentClient()) {
  const outcomes = await Promise.all(
    event.outcomes.map((o, i) => {
      const target = event.targets[i] as WaveTarget;
      if (o.succeeded) return { target, succeeded: true, revision: o.revision };
      const outcome = outcomeFromFailure(target, o.failure);
      return o.failure.Status === 'TIMED_OUT' || o.failure.Status === 'ABORTED'
        ? unfinished(event, outcome, o.failure.Status, db)
        : outcome;
    }),
  );
  const label = `${event.waveNumber + 1} of ${event.environment}`;
  const verdict = evaluateWave(outcomes, event.failureTolerance, label);
  logger.info('wave evaluated', { wave: label, failed: verdict.failed, summary: verdict.summary });
  return verdict;
}

/**
 * A target whose execution timed out or was stopped never rolled itself back: when its ledger record says it had
 * started to change the target (an ECS service's registered revision, a stack's change set), the wave puts it
 * back with the others.
 */
async function unfinished(
  wave: Wave,
  outcome: TargetOutcome,
  status: string,
  db: DocumentClient,
): Promise<TargetOutcome> {
  const key = ledgerKey(wave.serviceName, wave.environment, outcome.target);
  const revision = revisionToPutBack(await anyLedgerRecord(settings.ledgerTable(), key, wave.deploymentId, db));
  const cause = `its execution ended ${status} before it could finish or roll itself back`;
  return revision ? { ...outcome, cause, revision } : { ...outcome, cause };
}

export const handler = lambdaStep('evaluate-wave', input, (event) => judgeWave(event));
