import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { abortCommand } from '../../cli/abort';
import { envCommand } from '../../cli/env';
import { run as template } from '../../cli/template';
import { templateUpgradeCommand } from '../../cli/template-upgrade';
import { environmentDeploymentId } from '../../core/map/stack-plan';
import { approvalLinkIn, decide } from '../../local/actors';
import { capture } from '../support/cli';
import { mapYaml, WEB } from '../support/map';
import { useMoto } from '../support/moto';
import { past, usePipelineStack } from '../support/pipeline';
import { liveStack, stackTarget } from '../support/stacks';

const moto = useMoto();
const TEMPLATES = fileURLToPath(new URL('../fixtures/stack-templates', import.meta.url));
const OPERATOR = 'arn:aws:sts::111111111111:assumed-role/platform/alice';

const provisionMap = () =>
  mapYaml(
    [WEB],
    `
  dev:
    template: { name: network, version: v1.0, inputs: { ClusterName: dev-cluster } }
    targets: [{ account: "222222222222", regions: [us-east-1, eu-west-1] }]
  prod:
    approval: { topic: prod-approvals }
    template: { name: network, version: v1.1, inputs: { ClusterName: prod-cluster } }
    targets: [{ account: "333333333333", regions: [us-east-1] }]
`,
    `templates: ${TEMPLATES}`,
  );

describe('crossdeploy env deploy: an environment provisioned from its template through the pipeline', () => {
  const { stack, mapFile } = usePipelineStack(moto, provisionMap);
  // A turn of the event loop per check: the local engine runs in this process.
  const envDeploy = (...args: string[]) => {
    const { io, out, err } = capture(dirname(mapFile()));
    const deploy = envCommand({
      caller: async () => OPERATOR,
      newId: () => 'a1b2c3d4-request',
      sleep: () => new Promise((resolve) => setImmediate(resolve)),
    });
    return { done: deploy(['deploy', ...args, '--map', mapFile()], io), out, err };
  };
  const publish = async () => {
    const { io } = capture(dirname(mapFile()));
    expect(await template(['publish', '--dir', TEMPLATES, '--map', mapFile()], io)).toBe(0);
  };

  it("creates the environment's stack in every account and region of its waves, as a provisioning pipeline", async () => {
    await publish();

    const { done, out } = envDeploy('dev', '--wait');

    expect(await done).toBe(0);
    expect(out[0]).toBe('provisioning dev from environments/network v1.0: stack crossdeploy-env-dev in 2 targets');
    for (const region of ['us-east-1', 'eu-west-1']) {
      expect(await liveStack(stackTarget('222222222222', region))).toMatchObject({
        status: 'CREATE_COMPLETE',
        version: 'v1.0',
        outputs: { ClusterName: 'dev-cluster' },
      });
    }
    const [pipeline] = stack()
      .runtime.stepFunctions.executions()
      .filter((e) => e.stateMachine === 'pipeline');
    expect(pipeline?.status).toBe('SUCCEEDED');
    expect(pipeline?.history.some((e) => e.state === 'Nothing to build')).toBe(true);
    expect(pipeline?.history.some((e) => e.state === 'Build image once')).toBe(false);
  });

  it("waits for the environment's approver, who is told the template version and what each stack runs now", async () => {
    await publish();
    const sent = stack().nextApprovalMessage();

    const { done } = envDeploy('prod');
    expect(await done).toBe(0);
    const message = await sent;
    const [pipeline] = stack()
      .runtime.stepFunctions.executions()
      .filter((e) => e.stateMachine === 'pipeline');
    if (!pipeline) throw new Error('no pipeline started');

    expect(message).toContain(
      'crossdeploy is waiting for approval for environment prod to be provisioned from environments/network v1.1.',
    );
    expect(message).toContain('Template: environments/network v1.1');
    expect(message).toContain('333333333333 us-east-1  stack crossdeploy-env-prod  runs no stack yet');
    expect(await liveStack(stackTarget('333333333333', 'us-east-1', 'prod'))).toBeUndefined();
    expect((await decide(approvalLinkIn(message), 'approve', 'jane@example.com', 'network for prod')).status).toBe(200);
    await stack().runtime.stepFunctions.finished(pipeline.executionArn);
    expect(pipeline.status).toBe('SUCCEEDED');
    expect(await liveStack(stackTarget('333333333333', 'us-east-1', 'prod'))).toMatchObject({
      status: 'CREATE_COMPLETE',
      version: 'v1.1',
    });
  });

  it('is aborted mid-wave: abort finds the provisioning by its own deployment and puts back the stacks it changed', async () => {
    await publish();
    moto.scheduler().injectFault({ account: '222222222222', region: 'eu-west-1' }, { kind: 'slow-stacks' });
    const { done } = envDeploy('dev');
    expect(await done).toBe(0);
    const engine = stack().runtime.stepFunctions;
    const deploymentId = environmentDeploymentId('dev', 'v1.0', 'a1b2c3d4-request');
    const slow = await engine.started(`${deploymentId}-222222222222-eu-west-1`);
    await past(slow, 'Execute change set in target account');
    const [pipeline] = engine.executions().filter((e) => e.stateMachine === 'pipeline');
    if (!pipeline) throw new Error('no provisioning pipeline started');

    const { io, out, err } = capture(dirname(mapFile()));
    const code = await abortCommand({
      caller: async () => OPERATOR,
      // CloudFormation finishes what the stopped deployment executed; the rollbacks then find the stacks.
      sleep: () => {
        moto.scheduler().clearFaults();
        return new Promise((resolve) => setImmediate(resolve));
      },
    })([pipeline.name, '--reason', 'wrong subnet plan', '--json', '--map', mapFile()], io);

    expect(err).toEqual([]);
    const report = JSON.parse(out.join('\n'));
    expect(report.environments).toEqual(['dev']);
    expect(report.rollbacks.map((r: Record<string, unknown>) => [r.region, r.stackName]).sort()).toEqual([
      ['eu-west-1', 'crossdeploy-env-dev'],
      ['us-east-1', 'crossdeploy-env-dev'],
    ]);
    expect(code).toBe(0);
    expect(pipeline.status).toBe('ABORTED');
    expect(engine.executions().find((e) => e.name === deploymentId)?.status).toBe('ABORTED');
  });

  it('refuses an environment whose template version was never published, before starting anything', async () => {
    const { done, err } = envDeploy('dev');

    expect(await done).toBe(1);
    expect(err.join('\n')).toContain('environments/network v1.0 is not published');
    expect(stack().runtime.stepFunctions.executions()).toEqual([]);
  });

  describe('crossdeploy template upgrade', () => {
    const upgrade = async (...args: string[]) => {
      const { io, out, err } = capture(dirname(mapFile()));
      const command = templateUpgradeCommand({
        caller: async () => OPERATOR,
        newId: () => 'b2c3d4e5-request',
        sleep: () => new Promise((resolve) => setImmediate(resolve)),
      });
      return { code: await command([...args, '--map', mapFile()], io), out, err };
    };

    it("moves every older instance to the new version in the map, then provisions each upgraded environment's stacks", async () => {
      await publish();
      expect(await envDeploy('dev', '--wait').done).toBe(0);
      const before = readFileSync(mapFile(), 'utf8');

      const { code, out } = await upgrade('network', '--to', 'v1.1', '--deploy');

      expect(code).toBe(0);
      expect(readFileSync(mapFile(), 'utf8')).toBe(
        before.replace('template: { name: network, version: v1.0,', 'template: { name: network, version: v1.1,'),
      );
      expect(out).toEqual(
        expect.arrayContaining([
          'environments.prod runs v1.1 already',
          'environments.dev.template.version v1.0 → v1.1',
          '  dev: SUCCEEDED',
        ]),
      );
      for (const region of ['us-east-1', 'eu-west-1']) {
        expect(await liveStack(stackTarget('222222222222', region))).toMatchObject({
          status: 'UPDATE_COMPLETE',
          version: 'v1.1',
        });
      }
    });

    it('changes nothing when the version is not published, and says which are', async () => {
      await publish();
      const before = readFileSync(mapFile(), 'utf8');

      const { code, err } = await upgrade('environments/network', '--to', 'v2.0');

      expect(code).toBe(1);
      expect(err[0]).toBe('crossdeploy template upgrade: v2.0 is not published (published: v1.0, v1.1)');
      expect(readFileSync(mapFile(), 'utf8')).toBe(before);
    });
  });
});
