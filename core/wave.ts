// A wave is all or nothing: past its failure tolerance, the targets that did deploy are rolled back too,
// so an environment never stays half on the new image.

import type { RevisionRef, StoredWave, TargetOutcome, WaveStore, WaveTarget } from './contracts';
import { bounded, innermostFailure } from './failure';

/** A target the failed wave puts back on what it ran before, through its kind's rollback workflow. */
export interface RollBackTarget {
  target: WaveTarget;
  revision: RevisionRef;
}

export interface WaveVerdict {
  failed: boolean;
  toRollBack: RollBackTarget[];
  error?: string;
  cause?: string;
  summary: string;
}

export function evaluateWave(outcomes: TargetOutcome[], failureTolerance: number, waveLabel: string): WaveVerdict {
  const failures = outcomes.filter((o) => !o.succeeded);
  const tally = `${failures.length} of ${outcomes.length} targets failed (tolerance ${failureTolerance})`;
  if (failures.length <= failureTolerance) {
    const summary =
      failures.length === 0
        ? `wave ${waveLabel}: all ${outcomes.length} targets succeeded`
        : `wave ${waveLabel}: ${tally}, tolerated`;
    return { failed: false, toRollBack: [], summary };
  }
  // Failed targets put themselves back before they report; the ones that went through, and the ones stopped
  // before they could report, are undone here.
  const toRollBack = outcomes.flatMap(({ target, revision }) => (revision ? [{ target, revision }] : []));
  const names = new Set(failures.map((o) => o.error));
  const [only] = names;
  // Causes written by crossdeploy's own steps already name their target; others get it prefixed.
  const perTarget = failures.map((o) => {
    const cause = o.cause ?? o.error ?? 'unknown failure';
    return cause.includes(`${o.target.account}/${o.target.region}`) ? cause : `${where(o.target)}: ${cause}`;
  });
  return {
    failed: true,
    toRollBack,
    error: names.size === 1 && only !== undefined ? only : 'WaveFailed',
    cause: `wave ${waveLabel}: ${tally}; ${summarised(perTarget)}`,
    summary: `wave ${waveLabel} failed: ${tally}, rolling back ${toRollBack.length} targets`,
  };
}

/**
 * The outcome of a target whose execution failed, from a Catch output. A nested `startExecution.sync:2`
 * wraps the child's DescribeExecution in its Cause, a Lambda wraps `{errorType, errorMessage}`, and the
 * local engine may give a plain string: the innermost name and message are what an operator needs.
 */
export function outcomeFromFailure(
  target: WaveTarget,
  failure: { Error?: string; Cause?: string; error?: string; cause?: string },
): TargetOutcome {
  const { error, cause } = innermostFailure(failure.Error ?? failure.error, failure.Cause ?? failure.cause);
  return {
    target,
    succeeded: false,
    ...(error === null ? {} : { error }),
    ...(cause === null ? {} : { cause }),
  };
}

/**
 * What one failed target's cause may weigh (bytes of JSON) in its outcome, which its iteration of the wave's
 * Distributed Map returns and ResultWriter keeps in S3 (`maxCause` of its Read target failure step): the verdict
 * keeps at most this much of each failed target's cause (summarised below); the ledger keeps the rest.
 */
export const MAX_TARGET_CAUSE_IN_WAVE = 1_024;

/**
 * A Fail state's Cause holds at most 32,768 characters
 * (https://docs.aws.amazon.com/step-functions/latest/apireference/API_ExecutionFailedEventDetails.html), and the
 * verdict travels on in the pipeline's state: past this many, the rest of the failed targets are only counted.
 * The ledger keeps each target's own reason.
 */
export const MAX_WAVE_CAUSE = 8_192;

function summarised(perTarget: string[]): string {
  const kept: string[] = [];
  let length = 0;
  for (const cause of perTarget) {
    const piece = bounded(cause, 1_024);
    if (length + piece.length + 2 > MAX_WAVE_CAUSE - 80) break;
    kept.push(piece);
    length += piece.length + 2;
  }
  const left = perTarget.length - kept.length;
  return left === 0 ? kept.join('; ') : `${kept.join('; ')}; and ${left} more failed targets (see the ledger)`;
}

function where(target: WaveTarget): string {
  const { account, region, cluster, service, stackName } = target;
  const what = typeof stackName === 'string' ? `stack ${stackName}` : `${cluster}/${service}`;
  return `${account}/${region} ${what}`;
}

/** Where a deployment's wave lives in the artifacts bucket: `deployments/<deploymentId>/wave-<n>/`. */
export function waveStoreOf(bucket: string, deploymentId: string, waveNumber: number): WaveStore {
  const prefix = `deployments/${deploymentId}/wave-${waveNumber + 1}`;
  return { bucket, prefix, targets: `${prefix}/targets.json` };
}

/** A wave as deploy-environment takes it, once its targets are stored where waveStoreOf says. */
export function storedWaveOf(
  bucket: string,
  deploymentId: string,
  waveNumber: number,
  wave: { maxConcurrency: number; failureTolerance: number; targets: WaveTarget[] },
): StoredWave {
  return {
    maxConcurrency: wave.maxConcurrency,
    failureTolerance: wave.failureTolerance,
    targetCount: wave.targets.length,
    regions: [...new Set(wave.targets.map((t) => t.region))].sort(),
    store: waveStoreOf(bucket, deploymentId, waveNumber),
  };
}
