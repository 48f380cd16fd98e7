import { describe, expect, it } from 'vitest';
import { redeployCommand } from '../../cli/redeploy';
import { executionName } from '../../core/push';
import { capture } from '../support/cli';
import { useMoto } from '../support/moto';
import { commit, DEV, usePipelineStack } from '../support/pipeline';
import { ledgerRecords } from '../support/workflows';

const moto = useMoto();
const { stack, deliver, pipeline, finished, mapFile } = usePipelineStack(moto);
const ONCALL = 'arn:aws:sts::111111111111:assumed-role/oncall/jane';

/** Runs the command as an operator would, without real waits between checks. */
async function redeploy(args: string[]) {
  const { io, out, err } = capture('/');
  const code = await redeployCommand({
    caller: async () => ONCALL,
    sleep: () => new Promise((resolve) => setImmediate(resolve)),
  })([...args, '--map', mapFile()], io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const names = (stateMachine: string) =>
  stack()
    .runtime.stepFunctions.executions()
    .filter((e) => e.stateMachine === stateMachine)
    .map((e) => e.name);

describe('crossdeploy redeploy', () => {
  it('deploys a commit again after its pipeline failed, as attempt 2 with names of its own', async () => {
    moto.scheduler().injectFault(DEV, { kind: 'deny-assume-role' });
    await deliver({ branch: 'main', commit: commit('a'), message: 'commit a' });
    const first = await finished(await pipeline('main', commit('a')));
    expect(first.status).toBe('FAILED');
    moto.scheduler().clearFaults();

    const result = await redeploy([
      '--service',
      'web',
      '--branch',
      'main',
      '--commit',
      commit('a'),
      '--wait',
      '--json',
    ]);

    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.out);
    expect(Object.keys(report)).toEqual([
      'service',
      'branch',
      'commit',
      'attempt',
      'previous',
      'requestedBy',
      'execution',
      'executionArn',
      'consoleLink',
      'status',
    ]);
    expect(report).toMatchObject({
      service: 'web',
      branch: 'main',
      commit: commit('a'),
      attempt: 2,
      previous: { execution: first.name, status: 'FAILED' },
      requestedBy: ONCALL,
      execution: executionName('web', 'main', commit('a'), 2),
      status: 'SUCCEEDED',
    });
    expect(names('pipeline')).toEqual([first.name, report.execution]);
    // A STANDARD execution's name stays taken for 90 days: each attempt's children need names of their own.
    for (const machine of ['pipeline', 'deploy-environment', 'deploy-target']) {
      const taken = names(machine);
      expect(new Set(taken).size).toBe(taken.length);
      for (const name of taken) expect(name.length).toBeLessThanOrEqual(80);
    }
    expect(names('deploy-environment')).toHaveLength(2);
    const succeeded = (await ledgerRecords()).filter((r) => r.result === 'succeeded');
    expect(succeeded.map((r) => [r.pipelineId, r.commit, r.account])).toEqual([
      [report.execution, commit('a'), DEV.account],
    ]);
  });

  it('starts nothing for a redelivered webhook, and the next attempt for a new push of the same commit', async () => {
    await deliver({ branch: 'main', commit: commit('b'), message: 'commit b' }, 'delivery-1');
    expect((await finished(await pipeline('main', commit('b')))).status).toBe('SUCCEEDED');

    const redelivered = await deliver({ branch: 'main', commit: commit('b'), message: 'commit b' }, 'delivery-1');
    await stack().settle();
    expect([redelivered.status, await redelivered.json()]).toEqual([200, { duplicate: true }]);
    expect(names('pipeline')).toEqual([executionName('web', 'main', commit('b'))]);

    await deliver({ branch: 'main', commit: commit('b'), message: 'commit b' }, 'delivery-2');
    const second = await stack().runtime.stepFunctions.started(executionName('web', 'main', commit('b'), 2));
    expect((await finished(second)).status).toBe('SUCCEEDED');
    expect(names('pipeline')).toHaveLength(2);
  });

  it('refuses while an attempt of the commit still runs, naming it', async () => {
    await deliver({ branch: 'production', commit: commit('c'), message: 'commit c' });
    const waiting = await pipeline('production', commit('c'));

    const result = await redeploy(['--service', 'web', '--branch', 'production', '--commit', commit('c')]);

    expect(result.code).toBe(1);
    expect(result.err).toMatch(
      new RegExp(`^crossdeploy redeploy: ${waiting.name} still runs cccccc\\w on production: wait for it, or stop it`),
    );
    expect(names('pipeline')).toEqual([waiting.name]);
  });

  it.each<[string[], RegExp]>([
    [['--service', 'web', '--branch', 'main'], /give --service, --branch and --commit/],
    [['--service', 'web', '--branch', 'main', '--commit', 'abc1234'], /full 40-character commit id, not "abc1234"/],
    [['--service', 'api', '--branch', 'main', '--commit', 'a'.repeat(40)], /the map has no service "api" \(web\)/],
    [['--service', 'web', '--branch', 'dev', '--commit', 'a'.repeat(40)], /web deploys branch dev nowhere/],
    [['--servce', 'web'], /Unknown option '--servce'/],
  ])('exits 2 with usage for %j', async (args, message) => {
    const result = await redeploy(args);

    expect(result.code).toBe(2);
    expect(result.err).toMatch(message);
    expect(result.err).toMatch(/usage: crossdeploy redeploy --service NAME --branch NAME --commit SHA/);
  });
});
