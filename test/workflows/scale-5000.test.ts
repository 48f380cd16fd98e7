// One environment of 5,000 targets (1,250 accounts in 4 regions) in 5 waves of 1,000: what an organization that
// deploys one service everywhere asks of one push. Its own file, so it runs beside the other tests.
import { describe, expect, it } from 'vitest';
import { awsHistory } from '../../local/sfn-history';
import { useMoto } from '../support/moto';
import { LARGEST_STATE_GOAL, scaled, scaleTargets } from '../support/scale';
import { ledgerRecords, runEnvironment, seed, useWorkflows } from '../support/workflows';

useMoto();
// Real time: each rollout's wait ends by its own check after 5 real seconds (support/scale.ts), by which time the
// simulated rollout is long over however busy the one local moto is.
const engine = useWorkflows({ timeScale: 1 });

describe('deploy-environment at 5,000 targets', () => {
  it(
    'deploys 5 waves of 1,000, with no state over 64 KiB and no history growing with the targets',
    async () => {
      const all = scaleTargets(5_000);
      await seed(all, [], { forwarded: false });
      const waves = Array.from({ length: 5 }, (_, i) => ({
        targets: all.slice(i * 1_000, (i + 1) * 1_000),
        maxConcurrency: 250,
      }));

      const execution = await runEnvironment(engine(), scaled(waves));

      expect([execution.status, execution.error, execution.cause]).toEqual(['SUCCEEDED', undefined, undefined]);
      const below = engine().descendants(execution);
      const deployed = below.filter((e) => e.stateMachine === 'deploy-target' && e.status === 'SUCCEEDED');
      expect(deployed).toHaveLength(5_000);
      expect((await ledgerRecords()).filter((r) => r.result === 'succeeded')).toHaveLength(5_000);
      const runs = [execution, ...below];
      expect(Math.max(...runs.map((e) => e.largestStateBytes ?? 0))).toBeLessThanOrEqual(LARGEST_STATE_GOAL);
      // The environment's own history counts its waves, not its targets.
      expect(awsHistory(engine(), execution).length).toBeLessThan(200);
      // A target's own history holds its states only, whatever the size of its wave.
      expect(Math.max(...deployed.map((e) => awsHistory(engine(), e).length))).toBeLessThan(200);
    },
    20 * 60_000,
  );
});
