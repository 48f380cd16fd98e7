import { describe, expect, it } from 'vitest';
import { liveStatus } from '../../aws/status';
import type { ExecutionRecord } from '../../local/step-functions';
import { useMoto } from '../support/moto';
import { commit, DEV, usePipelineStack } from '../support/pipeline';
import { ledgerRecords } from '../support/workflows';

const moto = useMoto();
const { stack, deliver, pipeline, map } = usePipelineStack(moto);

/** Resolves once an execution has left the given state: the engine's own record, no clock involved. */
async function past(execution: ExecutionRecord, state: string) {
  for (let turns = 0; !execution.history.some((e) => e.type === 'StateExited' && e.state === state); turns++) {
    if (execution.status !== 'RUNNING' || turns > 1_000_000) {
      throw new Error(`${execution.name} never got past "${state}" (${execution.status})`);
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('status of a deployment stopped outside crossdeploy', () => {
  it('stops calling it deploying once its execution has ended, and shows the drift it left', async () => {
    moto.scheduler().injectFault(DEV, { kind: 'stuck' });
    const c = commit('a');
    await deliver({ branch: 'main', commit: c, message: 'stopped from the console' });
    const execution = await pipeline('main', c);
    const engine = stack().runtime.stepFunctions;
    const target = await engine.started(`${execution.name}-dev-${DEV.account}-${DEV.region}`);
    await past(target, 'Update service in target account');
    const running = await liveStatus(map(), { env: 'dev' });

    // As an operator stopping it in the Step Functions console would: no abort, no rollback.
    await engine.stop(execution.executionArn, 'States.Aborted', 'stopped in the console');
    const stopped = await liveStatus(map(), { env: 'dev' });

    expect(running.map((r) => r.state)).toEqual(['deploying']);
    expect((await ledgerRecords()).map((r) => r.result)).toEqual(['in-progress']);
    expect(stopped.map((r) => [r.state, r.liveTaskDefinition])).toEqual([['never-deployed', 'web:2']]);
    expect(stopped[0]?.detail).toContain('ended without recording its result');
  });
});
