import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type HistoryJson, run as history } from '../../cli/history';
import { failureInPlainWords, innermostFailure } from '../../core/failure';
import type { TimelineRow } from '../../core/timeline';
import type { ExecutionRecord } from '../../local/step-functions';
import { capture } from '../support/cli';
import { useMoto } from '../support/moto';
import { commit, DEV, usePipelineStack } from '../support/pipeline';

const moto = useMoto();

const KEYS = [
  'name',
  'executionArn',
  'stateMachine',
  'status',
  'startedAt',
  'stoppedAt',
  'durationMs',
  'link',
  'failure',
  'timeline',
  'children',
];
const ROW_KEYS = ['state', 'type', 'enteredAt', 'exitedAt', 'durationMs', 'outcome', 'error', 'childExecutionArn'];

/** Every level of the tree in the documented shape: keys in order, each row's duration its own span. */
function expectShape(tree: HistoryJson) {
  expect(Object.keys(tree)).toEqual(KEYS);
  if (tree.failure) expect(Object.keys(tree.failure)).toEqual(['error', 'cause', 'inPlainWords']);
  for (const row of tree.timeline) {
    expect(Object.keys(row)).toEqual(ROW_KEYS);
    if (row.exitedAt !== null) expect(row.durationMs).toBe(Date.parse(row.exitedAt) - Date.parse(row.enteredAt));
  }
  for (const child of tree.children) expectShape(child);
}

/** The states the engine entered, in order: what the timeline's rows must be, one per visit. */
const enteredStates = (record: ExecutionRecord) =>
  record.history.filter((e) => e.type === 'StateEntered' && e.index === undefined).map((e) => e.state);

describe('crossdeploy history, against the local runtime', () => {
  const { stack, deliver, pipeline, finished, mapFile } = usePipelineStack(moto);

  async function cli(args: string[]) {
    const { io, out, err } = capture(dirname(mapFile()));
    const code = await history(args, io);
    return { code, out, err };
  }
  async function json(execution: string) {
    const { code, out } = await cli([execution, '--json']);
    expect(code).toBe(0);
    return JSON.parse(out.join('\n')) as HistoryJson;
  }
  const link = (arn: string) => `${stack().url}/?execution=${encodeURIComponent(arn)}`;

  it('shows a failed pipeline state by state, its environment, target and rollback under it, and why in plain words', async () => {
    moto.scheduler().injectFault(DEV, { kind: 'alarm-after-rollout', alarm: 'web-5xx' });
    const b = commit('b');
    await deliver({ branch: 'main', commit: b, message: 'two' });
    const failed = await finished(await pipeline('main', b));
    const engine = stack().runtime.stepFunctions;
    const environment = engine.executions().find((e) => e.parentArn === failed.executionArn);
    const iteration = engine.executions().find((e) => e.parentArn === environment?.executionArn);
    const target = engine.executions().find((e) => e.parentArn === iteration?.executionArn);
    const rollback = engine.executions().find((e) => e.parentArn === target?.executionArn);
    if (!environment || !iteration || !target || !rollback) {
      throw new Error('the failed pipeline started no nested executions');
    }

    const tree = await json(failed.name);

    expectShape(tree);
    const { error, cause } = innermostFailure(failed.error, failed.cause);
    expect({ ...tree, timeline: [], children: [] }).toEqual({
      name: failed.name,
      executionArn: failed.executionArn,
      stateMachine: 'crossdeploy-local-pipeline',
      status: 'FAILED',
      startedAt: failed.startDate.toISOString(),
      stoppedAt: failed.stopDate?.toISOString(),
      durationMs: (failed.stopDate?.getTime() ?? 0) - failed.startDate.getTime(),
      link: link(failed.executionArn),
      failure: { error: 'DeploymentRolledBack', cause, inPlainWords: failureInPlainWords(error, cause) },
      timeline: [],
      children: [],
    });
    expect(tree.failure?.inPlainWords).toMatch(/^Rolled back \(DeploymentRolledBack\): wave 1 of dev: .*web-5xx/);
    expect(tree.timeline.map((r) => r.state)).toEqual(enteredStates(failed));
    expect(tree.timeline.find((r) => r.childExecutionArn !== null)).toMatchObject<Partial<TimelineRow>>({
      type: 'Task',
      outcome: 'caught',
      error: 'States.TaskFailed',
      childExecutionArn: environment.executionArn,
    });
    expect(tree.timeline.at(-1)).toMatchObject({ type: 'Fail', outcome: 'failed', error: 'DeploymentRolledBack' });

    const nested = (t: HistoryJson): unknown => ({
      name: t.name,
      status: t.status,
      children: t.children.map(nested),
    });
    expect(nested(tree)).toEqual({
      name: failed.name,
      status: 'FAILED',
      children: [
        {
          name: environment.name,
          status: 'FAILED',
          children: [
            {
              // The wave's Distributed Map ran the target as a Map Run child: ListExecutions by the Map Run's ARN.
              name: iteration.name,
              status: 'SUCCEEDED',
              children: [
                {
                  name: target.name,
                  status: 'FAILED',
                  children: [{ name: rollback.name, status: 'SUCCEEDED', children: [] }],
                },
              ],
            },
          ],
        },
      ],
    });
    expect(tree.children[0]?.children[0]?.children[0]?.timeline.map((r) => r.state)).toEqual(enteredStates(target));

    // A nested execution by its own name: the same tree from there down.
    expect(await json(environment.name)).toEqual(tree.children[0]);

    const human = await cli([failed.name]);
    expect(human.code).toBe(0);
    expect(human.out[0]).toMatch(new RegExp(`^crossdeploy-local-pipeline ${failed.name} +FAILED in `));
    expect(human.out).toContain(`  ✘ ${tree.failure?.inPlainWords}`);
    expect(
      human.out.some((line) => line.startsWith(`    └ crossdeploy-local-deploy-environment ${environment.name}`)),
    ).toBe(true);
    expect(human.out.some((line) => line.includes(`✔ crossdeploy-local-rollback-target ${rollback.name}`))).toBe(true);
  });

  it('shows a pipeline that waits for its approver as running, at the gate, without a failure', async () => {
    const approval = stack().nextApprovalMessage();
    await deliver({ branch: 'production', commit: commit('c'), message: 'ship' });
    const waiting = await pipeline('production', commit('c'));
    await approval;

    const tree = await json(waiting.executionArn);

    expectShape(tree);
    expect(tree).toMatchObject({ status: 'RUNNING', stoppedAt: null, durationMs: null, failure: null, children: [] });
    expect(tree.timeline.at(-1)).toMatchObject({ type: 'Task', exitedAt: null, durationMs: null, outcome: 'running' });
    expect(tree.timeline.slice(0, -1).every((r) => r.outcome === 'succeeded')).toBe(true);
  });

  it('says which execution it cannot find, and how to list them', async () => {
    const { code, err } = await cli(['web-main-0000000-00000000']);
    expect(code).toBe(1);
    expect(err).toEqual([
      'crossdeploy history: no execution named "web-main-0000000-00000000" in crossdeploy-local-pipeline, ' +
        'crossdeploy-local-deploy-environment, crossdeploy-local-deploy-target, crossdeploy-local-rollback-target ' +
        '(crossdeploy executions lists them)',
    ]);
    expect((await cli([])).code).toBe(2);
  });
});
