import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main';
import { approvalLinkIn } from '../../local/actors';
import { useMoto } from '../support/moto';
import { commit, PROD, usePipelineStack } from '../support/pipeline';
import { live } from '../support/workflows';

const moto = useMoto();

describe('crossdeploy approve / reject', () => {
  const { stack, deliver, pipeline, finished, mapFile } = usePipelineStack(moto);

  async function waitingApproval(label: string) {
    const message = stack().nextApprovalMessage();
    await deliver({ branch: 'production', commit: commit(label), message: 'from a terminal' });
    const execution = await pipeline('production', commit(label));
    const approvalId = new URL(approvalLinkIn(await message)).pathname.split('/').pop() ?? '';
    return { execution, approvalId };
  }

  async function cli(...args: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main([...args, '--map', mapFile()], {
      out: (l) => out.push(l),
      err: (l) => err.push(l),
      cwd: dirname(mapFile()),
    });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  it('approves a waiting deployment, which then ships, and refuses to decide it twice', async () => {
    const { execution, approvalId } = await waitingApproval('a');

    const approved = await cli('approve', approvalId, '--approver', 'ops@example.com', '--comment', 'ok');
    expect(approved).toMatchObject({ code: 0 });
    expect(approved.out).toContain('approved');
    expect((await finished(execution)).status).toBe('SUCCEEDED');
    expect((await live(PROD)).tags).toContainEqual({ key: 'crossdeploy:commit', value: commit('a') });

    const again = await cli('reject', approvalId, '--approver', 'ops@example.com');
    expect(again.code).toBe(1);
    expect(again.err).toContain('already approved by ops@example.com');
  });

  it('rejects a waiting deployment, which then ends with ApprovalRejected', async () => {
    const { execution, approvalId } = await waitingApproval('b');

    expect((await cli('reject', approvalId, '--approver', 'ops@example.com', '--comment', 'freeze')).code).toBe(0);
    const ended = await finished(execution);

    expect(ended.error).toBe('ApprovalRejected');
    expect(ended.cause).toContain('freeze');
    expect((await live(PROD)).revision).toBe(1);
  });

  it('says so and exits 1 for an approval that does not exist, and 2 without an id', async () => {
    expect(await cli('approve', 'no-such-approval', '--approver', 'ops')).toMatchObject({ code: 1 });
    expect((await cli('approve')).code).toBe(2);
  });
});
