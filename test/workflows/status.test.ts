import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { run as status } from '../../cli/status';
import type { StatusRow } from '../../core/status';
import { capture } from '../support/cli';
import { mapYaml, WEB } from '../support/map';
import { useMoto } from '../support/moto';
import { APPROVED, environmentDeployment, seed, target, useWorkflows } from '../support/workflows';

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

describe('crossdeploy status after the workflows deployed', () => {
  it('shows the commit, revision and approver the deploy-environment workflow recorded', async () => {
    await seed([east, west]);
    const plan = environmentDeployment([{ targets: [east, west] }]);
    const execution = await engine().run('deploy-environment', {
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
    const execution = await engine().run('deploy-environment', environmentDeployment([{ targets: [east, west] }]));
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
});
