import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ExecutionsJsonRow, run as executions } from '../../cli/executions';
import { failureInPlainWords } from '../../core/failure';
import type { ExecutionRecord } from '../../local/step-functions';
import { capture } from '../support/cli';
import { useMoto } from '../support/moto';
import { commit, usePipelineStack } from '../support/pipeline';

const moto = useMoto();

const KEYS = [
  'name',
  'status',
  'service',
  'branch',
  'commit',
  'startedAt',
  'stoppedAt',
  'durationMs',
  'reason',
  'executionArn',
  'link',
];

describe('crossdeploy executions, against the local runtime', () => {
  const { stack, mapFile, threePipelines } = usePipelineStack(moto);

  async function cli(args: string[]) {
    const { io, out, err } = capture(dirname(mapFile()));
    const code = await executions(args, io);
    return { code, out, err };
  }
  async function json(args: string[] = []) {
    const { code, out } = await cli([...args, '--json']);
    expect(code).toBe(0);
    return JSON.parse(out.join('\n')) as ExecutionsJsonRow[];
  }

  const rowOf = (e: ExecutionRecord, commitId: string, branch: string): ExecutionsJsonRow => ({
    name: e.name,
    status: e.status,
    service: 'web',
    branch,
    commit: commitId,
    startedAt: e.startDate.toISOString(),
    stoppedAt: e.stopDate?.toISOString() ?? null,
    durationMs: e.stopDate ? e.stopDate.getTime() - e.startDate.getTime() : null,
    reason: e.error || e.cause ? failureInPlainWords(e.error, e.cause) : null,
    executionArn: e.executionArn,
    link: `${stack().url}/?execution=${encodeURIComponent(e.executionArn)}`,
  });

  it('lists pipelines newest first with what their input says, each with its console link, in a fixed shape', async () => {
    const { succeeded, failed, waiting } = await threePipelines();

    const rows = await json();

    expect(rows).toEqual([
      rowOf(waiting, commit('a'), 'production'),
      rowOf(failed, commit('b'), 'main'),
      rowOf(succeeded, commit('a'), 'main'),
    ]);
    for (const row of rows) expect(Object.keys(row)).toEqual(KEYS);
    expect(rows.map((r) => r.status)).toEqual(['RUNNING', 'FAILED', 'SUCCEEDED']);
    expect(rows[1]?.reason).toMatch(/^Rolled back \(DeploymentRolledBack\): wave 1 of dev: .*web-5xx/);

    expect((await json(['--status', 'failed'])).map((r) => r.name)).toEqual([failed.name]);
    expect((await json(['--limit', '1'])).map((r) => r.name)).toEqual([waiting.name]);
    expect(await json(['--service', 'web', '--status', 'SUCCEEDED'])).toEqual([rowOf(succeeded, commit('a'), 'main')]);

    const table = await cli([]);
    expect(table.code).toBe(0);
    expect(table.out[0]?.split(/ {2,}/)).toEqual([
      'NAME',
      'STATUS',
      'SERVICE',
      'BRANCH',
      'COMMIT',
      'STARTED (UTC)',
      'DURATION',
      'LINK',
    ]);
    expect(table.out[2]?.split(/ {2,}/).slice(0, 5)).toEqual([failed.name, 'FAILED', 'web', 'main', 'bbbbbbb']);
    expect(table.out[1]?.split(/ {2,}/)[6]).toBe('running');
  });

  it('refuses what it cannot answer: an unknown status, a bad limit, a service the map lacks', async () => {
    for (const args of [['--status', 'DONE'], ['--limit', '0'], ['--service', 'nope'], ['--bogus']]) {
      const { code, err, out } = await cli(args);
      expect({ args, code, out }).toEqual({ args, code: 2, out: [] });
      expect(err.at(-1)).toMatch(/^usage: crossdeploy executions/);
    }
    expect(await json()).toEqual([]);
  });
});
