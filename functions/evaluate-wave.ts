import { z } from 'zod';
import { mapBounded } from '../aws/bounded';
import type { DocumentClient } from '../aws/lease';
import { anyLedgerRecord } from '../aws/ledger';
import { settings } from '../aws/settings';
import {
  type MapRunResult,
  type ResultWriterDetails,
  readMapResults,
  readWaveTargets,
  type S3Store,
  storeRollBack,
} from '../aws/wave-store';
import { caughtFailure, revisionRef, type TargetOutcome, type WaveTarget, waveStore } from '../core/contracts';
import { ledgerKey, revisionToPutBack } from '../core/ledger';
import { evaluateWave, outcomeFromFailure } from '../core/wave';
import { sharedDocumentClient, sharedS3Client } from './lib/clients';
import { lambdaStep } from './lib/lambda-step';
import { logger } from './lib/powertools';

// What one iteration of the wave's Distributed Map returns: ResultWriter keeps it as the child's Output.
const succeeded = z.object({ succeeded: z.literal(true), revision: revisionRef });
const failed = z.object({
  succeeded: z.literal(false),
  failure: caughtFailure.extend({ Status: z.string().optional() }),
});
const iterationOutput = z.discriminatedUnion('succeeded', [succeeded, failed]);
const iterationInput = z.looseObject({ target: z.looseObject({ account: z.string(), region: z.string() }) });

const input = z.object({
  deploymentId: z.string().min(1),
  serviceName: z.string().min(1),
  environment: z.string(),
  waveNumber: z.number().int().min(0),
  failureTolerance: z.number().int().min(0),
  store: waveStore,
  /** The Map Run's ResultWriter details, or the error its Catch caught when the Map Run itself failed. */
  results: z.union([
    z.looseObject({ ResultWriterDetails: z.object({ Bucket: z.string(), Key: z.string() }) }),
    caughtFailure,
  ]),
});

type Wave = z.infer<typeof input>;

// Ledger reads for targets that did not report, at most this many at once: DynamoDB's partition of each target is
// its own, so the bound only spares the Lambda's connections.
const LEDGER_READS_AT_ONCE = 25;

/**
 * Decides whether a wave stands or falls as a whole from the results its Map Run wrote to S3, and lists the
 * targets to put back there too. Only the verdict goes back into the workflow's state.
 */
export async function judgeWave(
  event: Wave,
  deps: { db?: DocumentClient; s3?: S3Store } = {},
): Promise<{ failed: boolean; error?: string; cause?: string; summary: string; rollBack?: unknown }> {
  const db = deps.db ?? sharedDocumentClient();
  const s3 = deps.s3 ?? sharedS3Client();
  const targets = await readWaveTargets(s3, event.store);
  const mapRun = (event.results as { ResultWriterDetails?: ResultWriterDetails }).ResultWriterDetails;
  const reported = mapRun ? await reportsByTarget(s3, mapRun) : new Map<string, MapRunResult>();
  const mapFailure = mapRun ? undefined : (event.results as { Error?: string }).Error;
  const outcomes = await mapBounded(targets, LEDGER_READS_AT_ONCE, (target) =>
    outcomeOf(event, target, reported.get(where(target)), mapFailure, db),
  );
  const label = `${event.waveNumber + 1} of ${event.environment}`;
  const { toRollBack, ...verdict } = evaluateWave(outcomes, event.failureTolerance, label);
  logger.info('wave evaluated', { wave: label, failed: verdict.failed, summary: verdict.summary });
  if (!verdict.failed) return verdict;
  return { ...verdict, rollBack: await storeRollBack(s3, event.store, toRollBack) };
}

async function reportsByTarget(s3: S3Store, details: ResultWriterDetails): Promise<Map<string, MapRunResult>> {
  const results = await readMapResults(s3, details);
  return new Map(results.map((r) => [where(iterationInput.parse(JSON.parse(r.Input)).target), r]));
}

async function outcomeOf(
  wave: Wave,
  target: WaveTarget,
  result: MapRunResult | undefined,
  mapFailure: string | undefined,
  db: DocumentClient,
): Promise<TargetOutcome> {
  if (result?.Status === 'SUCCEEDED') {
    const output = iterationOutput.parse(JSON.parse(result.Output ?? 'null'));
    if (output.succeeded) return { target, succeeded: true, revision: output.revision };
    const outcome = outcomeFromFailure(target, output.failure);
    const status = output.failure.Status;
    return status === 'TIMED_OUT' || status === 'ABORTED' ? unfinished(wave, outcome, status, db) : outcome;
  }
  // The iteration itself did not end: the Map Run failed or stopped around it, or never started it.
  const outcome = result
    ? outcomeFromFailure(target, { Error: result.Error ?? result.Status, Cause: result.Cause })
    : { target, succeeded: false, error: mapFailure ?? 'States.MapRunFailed' };
  return unfinished(wave, outcome, result?.Status ?? 'NOT_STARTED', db);
}

/**
 * A target whose execution timed out, was stopped or never reported never rolled itself back: when its ledger
 * record says it had started to change the target (an ECS service's registered revision, a stack's change set),
 * the wave puts it back with the others.
 */
async function unfinished(
  wave: Wave,
  outcome: TargetOutcome,
  status: string,
  db: DocumentClient,
): Promise<TargetOutcome> {
  const key = ledgerKey(wave.serviceName, wave.environment, outcome.target);
  const revision = revisionToPutBack(await anyLedgerRecord(settings.ledgerTable(), key, wave.deploymentId, db));
  const cause =
    status === 'NOT_STARTED'
      ? `the wave's Map Run ended (${outcome.error}) before this target reported`
      : `its execution ended ${status} before it could finish or roll itself back`;
  return revision ? { ...outcome, cause, revision } : { ...outcome, cause };
}

function where(target: { account: string; region: string }): string {
  return `${target.account}/${target.region}`;
}

export const handler = lambdaStep('evaluate-wave', input, (event) => judgeWave(event));
