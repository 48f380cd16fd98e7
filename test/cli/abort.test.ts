import { describe, expect, it } from 'vitest';
import { abortCommand } from '../../cli/abort';
import { seedTarget } from '../../local/seed';
import { capture } from '../support/cli';
import { mapYaml, WEB } from '../support/map';
import { useMoto } from '../support/moto';
import { commit, DEV, past, usePipelineStack } from '../support/pipeline';
import { ledgerRecords, live } from '../support/workflows';

const moto = useMoto();
const LATE = { ...DEV, account: '444444444444' };
const OPERATOR = 'arn:aws:sts::111111111111:assumed-role/oncall/jane';

// Two waves in dev: the first finishes, the second never settles, so the pipeline is still deploying.
const twoWaves = () =>
  mapYaml(
    [{ ...WEB, branches: '{ main: [dev] }' }],
    `
  dev:
    waves:
      - targets: [{ account: "222222222222", regions: [us-east-1] }]
      - targets: [{ account: "444444444444", regions: [us-east-1] }]
    rollout: { timeout: 24h }
    health: { alarms: [web-5xx] }
`,
  );
const { stack, deliver, pipeline, mapFile } = usePipelineStack(moto, twoWaves);

async function abort(args: string[]) {
  const { io, out, err } = capture('/');
  const code = await abortCommand({
    caller: async () => OPERATOR,
    // The stuck rollout is what made the deployment hang; the operator's rollback then finds ECS working again.
    sleep: () => {
      moto.scheduler().clearFaults();
      return new Promise((resolve) => setImmediate(resolve));
    },
  })([...args, '--map', mapFile()], io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('crossdeploy abort', () => {
  it('stops a deployment mid-wave and rolls back every target it had changed, recording why', async () => {
    await seedTarget({ ...LATE, alarms: ['web-5xx'] });
    moto.scheduler().injectFault(LATE, { kind: 'stuck' });
    const c = commit('a');
    await deliver({ branch: 'main', commit: c, message: 'stuck in wave 2' });
    const execution = await pipeline('main', c);
    const engine = stack().runtime.stepFunctions;
    const lateTarget = await engine.started(`${execution.name}-dev-444444444444-us-east-1`);
    await past(lateTarget, 'Record deployment in ledger');
    expect((await live(DEV)).revision).toBe(2);

    const result = await abort([execution.name, '--reason', 'wave 2 hangs', '--json']);

    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.out);
    expect(Object.keys(report)).toEqual([
      'execution',
      'executionArn',
      'abortedBy',
      'reason',
      'environments',
      'rollbacks',
    ]);
    expect(report).toMatchObject({ execution: execution.name, abortedBy: OPERATOR, environments: ['dev'] });
    expect(report.rollbacks.map((r: { account: string; status: string }) => [r.account, r.status]).sort()).toEqual([
      ['222222222222', 'SUCCEEDED'],
      ['444444444444', 'SUCCEEDED'],
    ]);
    expect(engine.describe(execution.executionArn)?.status).toBe('ABORTED');
    expect((await live(DEV)).revision).toBe(1);
    expect((await live(LATE)).revision).toBe(1);
    const records = await ledgerRecords();
    expect(records.map((r) => [r.account, r.result])).toEqual(
      expect.arrayContaining([
        ['222222222222', 'rolled-back'],
        ['444444444444', 'rolled-back'],
      ]),
    );
    expect(records.every((r) => r.rollbackReason === `aborted: aborted by ${OPERATOR}: wave 2 hangs`)).toBe(true);
  });

  it('refuses to abort an execution that is not running, or does not exist', async () => {
    const c = commit('b');
    await deliver({ branch: 'main', commit: c, message: 'fine' });
    const execution = await pipeline('main', c);
    await stack().runtime.stepFunctions.finished(execution.executionArn);

    const over = await abort([execution.name]);
    const missing = await abort(['web-main-0000000-00000000']);

    expect(over).toMatchObject({ code: 1, err: expect.stringContaining('there is nothing to abort') });
    expect(missing).toMatchObject({ code: 1, err: expect.stringContaining('no execution') });
    expect((await abort([])).code).toBe(2);
    expect(await abort([execution.name, '--now'])).toMatchObject({ code: 2, err: expect.stringContaining('usage:') });
  });
});
