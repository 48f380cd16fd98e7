import { ECRClient } from '@aws-sdk/client-ecr';
import { beforeEach, describe, expect, it } from 'vitest';
import { run as rollbackCli, rollbackCommand } from '../../cli/rollback';
import { buildImage } from '../../local/builder';
import { seedTarget } from '../../local/seed';
import { capture } from '../support/cli';
import { putRecord } from '../support/ledger';
import { useMoto } from '../support/moto';
import { commit, DEV, PROD, pipelineMap, usePipelineStack } from '../support/pipeline';
import { ledgerRecords, live } from '../support/workflows';

const moto = useMoto();
const ONCALL = 'arn:aws:sts::111111111111:assumed-role/oncall/jane';
// dev in two regions, so a rollback has to put the image back in every target of the environment.
const mapWithSkip = () =>
  pipelineMap()
    .replace(
      '{ account: "222222222222", regions: [us-east-1] }',
      '{ account: "222222222222", regions: [us-east-1, eu-west-1] }',
    )
    .replace('timeout: 24h }', 'timeout: 24h, skipAllowed: ["arn:aws:sts::111111111111:assumed-role/oncall/*"] }');
const { stack, deliver, pipeline, finished, mapFile } = usePipelineStack(moto, mapWithSkip);

let calls = 0;

/** Runs the command as the local stack's caller would, without real waits between checks. */
async function rollback(args: string[], caller = ONCALL) {
  const { io, out, err } = capture('/');
  const code = await rollbackCommand({
    caller: async () => caller,
    sleep: () => new Promise((resolve) => setImmediate(resolve)),
    now: () => new Date(Date.parse('2026-11-22T08:00:00Z') + 1000 * calls++),
  })([...args, '--map', mapFile()], io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

async function deployed(branch: string, c: string) {
  await deliver({ branch, commit: c, message: `commit ${c.slice(0, 1)}` });
  return finished(await pipeline(branch, c));
}

/** A prod deployment as the workflows would have recorded it, of an image the build pushed. */
async function recordProd(c: string, at: string) {
  const ecr = new ECRClient({});
  const { digest } = await buildImage({ ecr, repository: 'web', commit: c, service: 'web' }).finally(() =>
    ecr.destroy(),
  );
  await putRecord({
    target: 'web#prod#333333333333#us-east-1',
    deploymentId: `web-production-${c.slice(0, 7)}-prod`,
    pipelineId: `web-production-${c.slice(0, 7)}`,
    serviceName: 'web',
    environment: 'prod',
    account: PROD.account,
    region: PROD.region,
    cluster: 'demo',
    service: 'web',
    kind: 'deploy',
    commit: c,
    imageDigest: digest,
    imageUri: `111111111111.dkr.ecr.us-east-1.amazonaws.com/web@${digest}`,
    result: 'succeeded',
    startedAt: at,
    endedAt: at,
  });
}

const DEV_WEST = { ...DEV, region: 'eu-west-1' };
beforeEach(() => seedTarget({ ...DEV_WEST, alarms: ['web-5xx'] }));
const appImage = async (t: typeof DEV) => (await live(t)).containers.find((c) => c.name === 'app')?.image;

describe('crossdeploy rollback', () => {
  it('redeploys the previous image to every target of the environment and records it as a rollback', async () => {
    expect((await deployed('main', commit('a'))).status).toBe('SUCCEEDED');
    const before = await appImage(DEV);
    expect((await deployed('main', commit('b'))).status).toBe('SUCCEEDED');
    expect(await appImage(DEV)).not.toBe(before);

    const result = await rollback([
      '--service',
      'web',
      '--env',
      'dev',
      '--reason',
      'b breaks checkout',
      '--wait',
      '--json',
    ]);

    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.out);
    expect(Object.keys(report)).toEqual([
      'service',
      'environment',
      'commit',
      'imageDigest',
      'requestedBy',
      'approval',
      'execution',
      'executionArn',
      'consoleLink',
      'status',
    ]);
    expect(report).toMatchObject({
      service: 'web',
      environment: 'dev',
      commit: commit('a'),
      requestedBy: ONCALL,
      approval: 'none',
      status: 'SUCCEEDED',
    });
    expect(await appImage(DEV)).toBe(before);
    // The same digest, pulled from the replica in the target's own region.
    expect(await appImage(DEV_WEST)).toBe(before?.replace('.dkr.ecr.us-east-1.', '.dkr.ecr.eu-west-1.'));
    const rollbackRecords = (await ledgerRecords()).filter((r) => r.kind === 'rollback');
    expect(rollbackRecords.map((r) => r.region).sort()).toEqual(['eu-west-1', 'us-east-1']);
    const [rollbackRecord] = rollbackRecords;
    expect(rollbackRecord).toMatchObject({
      result: 'succeeded',
      commit: commit('a'),
      requestedBy: ONCALL,
      pipelineId: report.execution,
      environment: 'dev',
    });
    expect(rollbackRecord?.imageUri).toBe(before);
  });

  it('goes back to the commit named by --to, a prefix being enough', async () => {
    await deployed('main', commit('a'));
    const first = await appImage(DEV);
    await deployed('main', commit('b'));
    await deployed('main', commit('c'));

    const result = await rollback(['--service', 'web', '--env', 'dev', '--to', 'aaaaaaa', '--wait']);

    expect(result.code).toBe(0);
    expect(result.out).toContain('back to aaaaaaa');
    expect(await appImage(DEV)).toBe(first);
  });

  it('says so, and starts nothing, when the ledger knows no earlier image', async () => {
    await deployed('main', commit('a'));

    const none = await rollback(['--service', 'web', '--env', 'dev']);
    const unknown = await rollback(['--service', 'web', '--env', 'dev', '--to', 'fffffff']);

    expect(none).toMatchObject({ code: 1, err: expect.stringContaining('no earlier image of web in dev') });
    expect(unknown).toMatchObject({ code: 1, err: expect.stringContaining('at commit fffffff') });
    expect(
      stack()
        .runtime.stepFunctions.executions()
        .filter((e) => e.stateMachine === 'pipeline'),
    ).toHaveLength(1);
  });

  it('refuses --skip-approval to a caller the map does not allow', async () => {
    const refused = await rollback(
      ['--service', 'web', '--env', 'prod', '--skip-approval'],
      'arn:aws:iam::111111111111:user/intern',
    );

    expect(refused.code).toBe(1);
    expect(refused.err).toContain('arn:aws:iam::111111111111:user/intern may not skip the approval of prod');
    expect(stack().runtime.stepFunctions.executions()).toEqual([]);
  });

  it('stops at the approval gate without --skip-approval, and passes it for an allowed caller', async () => {
    await recordProd(commit('a'), '2026-11-20T10:00:00Z');
    await recordProd(commit('b'), '2026-11-21T10:00:00Z');

    const approvalMessage = stack().nextApprovalMessage();
    const gated = await rollback(['--service', 'web', '--env', 'prod', '--json']);
    expect(JSON.parse(gated.out)).toMatchObject({ commit: commit('a'), approval: 'waiting', status: 'RUNNING' });
    const waiting = await stack().runtime.stepFunctions.started(JSON.parse(gated.out).execution);
    expect(await approvalMessage).toContain('prod');
    expect(waiting.history.some((e) => e.state === 'Ask for approval')).toBe(true);

    const skipped = await rollback(['--service', 'web', '--env', 'prod', '--skip-approval', '--json', '--to', 'aaaa']);
    expect(JSON.parse(skipped.out)).toMatchObject({ approval: 'skipped' });
    const ungated = await stack().runtime.stepFunctions.finished(JSON.parse(skipped.out).executionArn);
    expect(ungated.history.some((e) => e.state === 'Ask for approval')).toBe(false);
    expect(ungated.history.some((e) => e.state === 'Deploy environment')).toBe(true);
  });

  it('refuses an unknown service or environment with a usage error', async () => {
    expect(await rollback(['--service', 'api', '--env', 'dev'])).toMatchObject({
      code: 2,
      err: expect.stringContaining('"api"'),
    });
    expect((await rollback(['--service', 'web', '--env', 'qa'])).code).toBe(2);
    expect((await rollback(['--service', 'web'])).err).toContain('usage: crossdeploy rollback');
    expect(await rollback(['--service', 'web', '--env', 'dev', '--force'])).toMatchObject({
      code: 2,
      err: expect.stringContaining("Unknown option '--force'"),
    });
    expect(rollbackCli).toBeTypeOf('function');
  });
});
