import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { run as status } from '../../cli/status';
import type { StatusRow } from '../../core/status';
import { capture } from '../support/cli';
import { mapYaml, WEB } from '../support/map';
import { useMoto } from '../support/moto';
import { environmentStackRun, network, networkTemplate, publishTemplates, stackTarget } from '../support/stacks';
import {
  APPROVED,
  environmentDeployment,
  runEnvironment,
  seed,
  seedBuiltImage,
  target,
  useWorkflows,
} from '../support/workflows';

const webServiceTemplate = () =>
  readFileSync(new URL('../fixtures/stack-templates/services/web-service/v1.0/template.yaml', import.meta.url), 'utf8');

const moto = useMoto();
const engine = useWorkflows();

const DEV = '222222222222';
const east = target(DEV, 'us-east-1');
const west = target(DEV, 'eu-west-1');
// What environmentDeployment() deploys: web's commit 3f2a9c1 to dev.
const COMMIT = '3f2a9c1'.padEnd(40, '0');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'crossdeploy-status-'));
  writeFileSync(
    join(dir, 'crossdeploy.yaml'),
    mapYaml(
      [{ ...WEB, branches: '{ main: [dev] }' }],
      `
  dev:
    targets: [{ account: "${DEV}", regions: [us-east-1, eu-west-1] }]
    health: { alarms: [web-5xx] }
`,
    ),
  );
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function statusJson(): Promise<{ code: number; rows: StatusRow[] }> {
  const { io, out } = capture(dir);
  const code = await status(['--json'], io);
  return { code, rows: JSON.parse(out.join('\n')) as StatusRow[] };
}

/** The printed table's ENV TEMPLATE column, one cell per target (cells are 2+ spaces apart). */
async function environmentTemplateColumn(): Promise<string[]> {
  const { io, out } = capture(dir);
  await status([], io);
  const [header = '', ...lines] = out.map((line) => line.split(/ {2,}/));
  const column = header.indexOf('ENV TEMPLATE');
  return lines.filter((cells) => cells.length === header.length).map((cells) => cells[column] ?? '');
}

describe('crossdeploy status after the workflows deployed', () => {
  it('shows the commit, revision and approver the deploy-environment workflow recorded', async () => {
    await seed([east, west]);
    const plan = environmentDeployment([{ targets: [east, west] }]);
    const execution = await runEnvironment(engine(), {
      ...plan,
      deployment: { ...plan.deployment, context: APPROVED },
    });
    expect(execution.status).toBe('SUCCEEDED');

    const { code, rows } = await statusJson();

    expect(code).toBe(0);
    expect(rows.map((row) => [row.region, row.state, row.commit, row.taskDefinition, row.by, row.kind])).toEqual([
      ['us-east-1', 'in-step', COMMIT, 'web:2', 'jane@example.com', 'deploy'],
      ['eu-west-1', 'in-step', COMMIT, 'web:2', 'jane@example.com', 'deploy'],
    ]);
    expect(rows.every((row) => row.deploymentId === 'web-dev-3f2a9c1-test' && row.since !== null)).toBe(true);
  });

  it('shows a deployment that ECS rolled back as the last one, and the target as never deployed', async () => {
    await seed([east, west]);
    moto.scheduler().injectFault(west, { kind: 'circuit-breaker' });
    const execution = await runEnvironment(engine(), environmentDeployment([{ targets: [east, west] }]));
    expect(execution.status).toBe('FAILED');

    const { code, rows } = await statusJson();

    // The wave fell as a whole: both targets are back on the revision their owners ran.
    expect(code).toBe(1);
    expect(rows.map((row) => [row.region, row.state, row.liveTaskDefinition, row.lastDeployment?.result])).toEqual([
      ['us-east-1', 'never-deployed', 'web:1', 'rolled-back'],
      ['eu-west-1', 'never-deployed', 'web:1', 'rolled-back'],
    ]);
    expect(rows[1]?.lastDeployment?.reason).toMatch(/^circuit-breaker: /);
  });

  it("shows each target's environment stack version from the ledger, and the newer versions the registry has", async () => {
    await seed([east, west]);
    // v2.0 is a new major: its body is v1.1's, its inputs may differ as far as status knows.
    await publishTemplates([
      { ...network('v1.0'), body: networkTemplate('v1.0') },
      { ...network('v1.1'), body: networkTemplate('v1.1') },
      { ...network('v2.0'), body: networkTemplate('v1.1') },
    ]);
    const inputs = { ClusterName: 'dev-cluster' };
    const created = environmentStackRun(network('v1.0'), inputs, [{ targets: [stackTarget(DEV, 'us-east-1')] }]);
    expect((await runEnvironment(engine(), created)).status).toBe('SUCCEEDED');
    expect((await runEnvironment(engine(), environmentDeployment([{ targets: [east, west] }]))).status).toBe(
      'SUCCEEDED',
    );

    const { code, rows } = await statusJson();

    // The environment's stack says nothing about the service's own state.
    expect(code).toBe(0);
    expect(rows.map((row) => [row.region, row.state, row.commit])).toEqual([
      ['us-east-1', 'in-step', COMMIT],
      ['eu-west-1', 'in-step', COMMIT],
    ]);
    expect(rows.map((row) => row.environmentStack)).toEqual([
      {
        template: 'environments/network',
        version: 'v1.0',
        stackName: 'crossdeploy-env-dev',
        deploymentId: created.deployment.deploymentId,
        since: expect.any(String),
        upgrades: { compatible: 'v1.1', breaking: 'v2.0' },
      },
      null,
    ]);
    expect(await environmentTemplateColumn()).toEqual(['network v1.0 (v1.1 available; v2.0 breaking)', 'none']);

    const upgrade = environmentStackRun(network('v1.1'), inputs, [
      { targets: [stackTarget(DEV, 'us-east-1'), stackTarget(DEV, 'eu-west-1')] },
    ]);
    expect((await runEnvironment(engine(), upgrade)).status).toBe('SUCCEEDED');

    const after = await statusJson();
    expect(after.rows.map((row) => [row.environmentStack?.version, row.environmentStack?.upgrades])).toEqual([
      ['v1.1', { compatible: null, breaking: 'v2.0' }],
      ['v1.1', { compatible: null, breaking: 'v2.0' }],
    ]);
    expect(await environmentTemplateColumn()).toEqual(['network v1.1 (v2.0 breaking)', 'network v1.1 (v2.0 breaking)']);
  });

  it("shows the template version of the service instance a target's first deploy created", async () => {
    await seedBuiltImage([east]);
    await publishTemplates([
      { ...network('v1.1'), body: networkTemplate('v1.1') },
      { kind: 'services', name: 'web-service', version: 'v1.0', body: webServiceTemplate() },
    ]);
    const environment = environmentStackRun(network('v1.1'), { ClusterName: 'demo' }, [
      { targets: [stackTarget(DEV, 'us-east-1')] },
    ]);
    expect((await runEnvironment(engine(), environment)).status).toBe('SUCCEEDED');
    const run = environmentDeployment([{ targets: [east] }]);
    const serviceInstance = {
      template: { kind: 'services' as const, name: 'web-service', version: 'v1.0' },
      inputs: {},
      stackName: 'crossdeploy-svc-web-dev',
      environmentStack: 'crossdeploy-env-dev',
      rollout: { intervalSeconds: 15, checks: 10 },
    };
    const deployed = await runEnvironment(engine(), {
      ...run,
      deployment: { ...run.deployment, serviceInstance, health: { alarms: [] } },
    });
    expect(deployed.status).toBe('SUCCEEDED');

    const { rows } = await statusJson();

    expect(rows.map((row) => [row.region, row.state, row.serviceStack?.template, row.serviceStack?.version])).toEqual([
      ['us-east-1', 'in-step', 'services/web-service', 'v1.0'],
      ['eu-west-1', 'service-not-found', undefined, undefined],
    ]);
  });
});
