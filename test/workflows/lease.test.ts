import { describe, expect, it } from 'vitest';
import { seedTarget } from '../../local/seed';
import { mapYaml, WEB } from '../support/map';
import { useMoto } from '../support/moto';
import { commit, past, usePipelineStack } from '../support/pipeline';
import { live } from '../support/workflows';

const moto = useMoto();
const DEV = { account: '222222222222', region: 'us-east-1', cluster: 'demo', service: 'web', container: 'app' };

// A rollout that may take a day: a stuck one keeps its pipeline running, and the lease with it.
const longRollouts = () =>
  mapYaml(
    [{ ...WEB, branches: '{ main: [dev] }' }],
    `
  dev:
    targets: [{ account: "222222222222", regions: [us-east-1] }]
    rollout: { timeout: 24h }
`,
  );

describe("the deployment lease of a service × environment (state-machines/pipeline.asl.json 'Acquire deployment lease')", () => {
  const { stack, deliver, pipeline, finished } = usePipelineStack(moto, longRollouts);

  /** A pipeline whose rollout never finishes: it holds dev's lease for as long as it runs. */
  async function holdingTheLease() {
    await seedTarget({ ...DEV, alarms: [] });
    moto.scheduler().injectFault(DEV, { kind: 'stuck' });
    const a = commit('a');
    await deliver({ branch: 'main', commit: a, message: 'stuck rollout' });
    const holder = await pipeline('main', a);
    await past(holder, 'Acquire deployment lease');
    return holder;
  }

  it('keeps the lease for as long as its pipeline runs: the next one waits, then fails with LeaseHeld naming it', async () => {
    const holder = await holdingTheLease();
    const b = commit('b');

    await deliver({ branch: 'main', commit: b, message: 'waits for the lease' });
    const waiting = await finished(await pipeline('main', b));

    expect(holder.status).toBe('RUNNING');
    expect(waiting.status).toBe('FAILED');
    expect(waiting.error).toBe('LeaseHeld');
    expect(waiting.cause).toContain(`web#dev is held by ${holder.name} since`);
    expect(waiting.cause).toContain('which is still running');
    // It waited as long as its retries allow, and changed nothing.
    const retries = waiting.history.filter((e) => e.type === 'StateRetried' && e.state === 'Acquire deployment lease');
    expect(retries).toHaveLength(240);
    expect(waiting.history.some((e) => e.state === 'Deploy environment')).toBe(false);
  });

  it('frees the lease of a pipeline that ended without giving it back: the next one takes it at once and deploys', async () => {
    const holder = await holdingTheLease();
    // Stopped from outside, as a crash would end it: nothing released the lease.
    await stack().runtime.stepFunctions.stop(holder.executionArn, 'States.Runtime', 'lost');
    moto.scheduler().clearFaults();
    const b = commit('b');

    await deliver({ branch: 'main', commit: b, message: 'takes the lease over' });
    const next = await finished(await pipeline('main', b));

    expect(holder.status).toBe('ABORTED');
    expect(next.status).toBe('SUCCEEDED');
    expect(next.history.filter((e) => e.type === 'StateRetried')).toEqual([]);
    expect((await live(DEV)).tags).toEqual(
      expect.arrayContaining([{ key: 'crossdeploy:deployment-id', value: expect.stringContaining(b.slice(0, 7)) }]),
    );
  });
});
