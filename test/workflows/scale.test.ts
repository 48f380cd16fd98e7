// Waves of any size: deploy-environment runs each wave as a Distributed Map over targets kept in S3, so nothing
// in any execution grows with the wave. The local engine fails an execution that breaks a Step Functions quota
// (256 KiB per state, 25,000 history events), as AWS does; these tests then also check how far below them it stays.
import { describe, expect, it } from 'vitest';
import type { DeployTarget } from '../../core/contracts';
import { awsHistory } from '../../local/sfn-history';
import type { ExecutionRecord } from '../../local/step-functions';
import { useMoto } from '../support/moto';
import { LARGEST_STATE_GOAL, scaled, scaleTargets } from '../support/scale';
import { ledgerRecords, runEnvironment, seed, useWorkflows } from '../support/workflows';

const moto = useMoto();
// Real time: each rollout's wait ends by its own check after 5 real seconds (support/scale.ts), by which time the
// simulated rollout is long over however busy the one local moto is.
const engine = useWorkflows({ timeScale: 1 });

const HISTORY_QUOTA = 25_000;
const MINUTES = 60_000;

function everything(execution: ExecutionRecord): ExecutionRecord[] {
  return [execution, ...engine().descendants(execution)];
}

describe('deploy-environment at scale', () => {
  it(
    'deploys a wave of 1,200 targets 250 at a time, with no state over 64 KiB and no history near its quota',
    async () => {
      const wave = scaleTargets(1_200);
      await seed(wave, [], { forwarded: false });

      const execution = await runEnvironment(engine(), scaled([{ targets: wave, maxConcurrency: 250 }]));

      expect([execution.status, execution.error, execution.cause]).toEqual(['SUCCEEDED', undefined, undefined]);
      const deployed = engine()
        .descendants(execution)
        .filter((e) => e.stateMachine === 'deploy-target');
      expect(deployed.filter((e) => e.status === 'SUCCEEDED')).toHaveLength(1_200);
      const records = await ledgerRecords();
      expect(records.filter((r) => r.result === 'succeeded')).toHaveLength(1_200);
      const runs = everything(execution);
      expect(Math.max(...runs.map((e) => e.largestStateBytes ?? 0))).toBeLessThanOrEqual(LARGEST_STATE_GOAL);
      expect(Math.max(...runs.map((e) => awsHistory(engine(), e).length))).toBeLessThan(HISTORY_QUOTA / 100);
    },
    10 * MINUTES,
  );

  it(
    'rolls back every updated target of a 1,200-target wave where 3 fail past a tolerance of 2, and starts no later wave',
    async () => {
      const wave = scaleTargets(1_200);
      const later = scaleTargets(4, 1_000);
      await seed([...wave, ...later], [], { forwarded: false });
      const failing = [wave[7], wave[600], wave[1_199]].filter((t) => t !== undefined);
      for (const t of failing) moto.scheduler().injectFault(t, { kind: 'circuit-breaker' });

      const execution = await runEnvironment(
        engine(),
        scaled([
          { targets: wave, maxConcurrency: 250, failureTolerance: 2 },
          { targets: later, maxConcurrency: 4 },
        ]),
      );

      expect(execution.status).toBe('FAILED');
      expect(execution.error).toBe('DeploymentRolledBack');
      expect(execution.cause).toMatch(/^wave 1 of dev: 3 of 1200 targets failed \(tolerance 2\); /);
      const records = await ledgerRecords();
      expect(records).toHaveLength(1_200);
      expect(records.filter((r) => r.result === 'rolled-back')).toHaveLength(1_200);
      const started = engine()
        .descendants(execution)
        .filter((e) => e.stateMachine === 'deploy-target');
      const laterAccounts = new Set(later.map((t) => t.account));
      expect(started.filter((e) => laterAccounts.has((e.input as { target: DeployTarget }).target.account))).toEqual(
        [],
      );
      const runs = everything(execution);
      expect(Math.max(...runs.map((e) => e.largestStateBytes ?? 0))).toBeLessThanOrEqual(LARGEST_STATE_GOAL);
    },
    10 * MINUTES,
  );
});
