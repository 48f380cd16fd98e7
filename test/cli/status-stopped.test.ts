import { describe, expect, it } from 'vitest';
import { liveStatus } from '../../aws/status';
import { useMoto } from '../support/moto';
import { commit, DEV, past, usePipelineStack } from '../support/pipeline';
import { ledgerRecords } from '../support/workflows';

const moto = useMoto();
const { stack, deliver, pipeline, map } = usePipelineStack(moto);

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
