import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pipelineInput } from '../../core/pipeline-plan';
import { startedRun } from '../../core/pipeline-types';
import { decide } from '../../local/actors';
import { useMoto } from '../support/moto';
import { commit, DEV, PROD, pipelineMap, usePipelineStack } from '../support/pipeline';
import { ledgerRecords, live } from '../support/workflows';

const moto = useMoto();

describe('pipeline workflow (state-machines/pipeline.asl.json), from a git push', () => {
  const { stack, deliver, pipeline, finished, map, waitingForApproval } = usePipelineStack(moto);

  it("ends with the start's own error, and releases the lease, when an environment's execution cannot start", async () => {
    const push = {
      source: { github: 'acme/web' },
      branch: 'main',
      commit: commit('7'),
      author: 'sam',
      message: 'x',
      changedPaths: [],
    };
    const input = pipelineInput(map(), 'web', push);
    const [stage] = input.stages;
    if (!stage) throw new Error('fixture');
    // The environment's execution name is taken by an execution with another input: its start fails.
    const squatter = stack().runtime.stepFunctions.start(
      'deploy-environment',
      {},
      { name: stage.plan.deployment.deploymentId },
    );
    await stack().runtime.stepFunctions.finished(squatter.executionArn);

    const ended = await stack().runtime.stepFunctions.run('pipeline', startedRun(input), { name: input.pipelineId });

    expect(ended.status).toBe('FAILED');
    expect(ended.error).toBe('StepFunctions.ExecutionAlreadyExistsException');
    expect(ended.cause).toContain(stage.plan.deployment.deploymentId);
    expect(ended.history.some((e) => e.type === 'StateEntered' && e.state === 'Release lease after failure')).toBe(
      true,
    );
    expect((await live(DEV)).revision).toBe(1);
  });

  it('refuses, before building anything, an input the map would not have produced', async () => {
    const input = startedRun(
      pipelineInput(map(), 'web', {
        source: { github: 'acme/web' },
        branch: 'production',
        commit: commit('8'),
        author: 'sam',
        message: 'x',
        changedPaths: [],
      }),
    );
    const [stage] = input.stages;
    if (!stage) throw new Error('fixture');
    stage.approval = null;

    const ended = await stack().runtime.stepFunctions.run('pipeline', input, { name: input.pipelineId });

    expect(ended.status).toBe('FAILED');
    expect(ended.error).toBe('InvalidPipelineRequest');
    expect(ended.cause).toContain('stages is not what the map gives');
    expect(ended.history.some((e) => e.state === 'Build image once')).toBe(false);
    expect((await live(PROD)).revision).toBe(1);
  });

  it('deploys dev from a push to main, and five deliveries of that push start one pipeline', async () => {
    const a = commit('a');
    const answers = await Promise.all([
      deliver({ branch: 'main', commit: a, message: 'one' }, 'delivery-1'),
      deliver({ branch: 'main', commit: a, message: 'one' }, 'delivery-1'),
      deliver({ branch: 'main', commit: a, message: 'one' }, 'delivery-1'),
      deliver({ branch: 'main', commit: a, message: 'one' }, 'delivery-2'),
      deliver({ branch: 'main', commit: a, message: 'one' }, 'delivery-3'),
    ]);
    expect(answers.map((r) => r.status).sort()).toEqual([200, 200, 202, 202, 202]);

    const execution = await finished(await pipeline('main', a));
    await stack().settle();

    expect(execution.status).toBe('SUCCEEDED');
    expect(
      stack()
        .runtime.stepFunctions.executions()
        .filter((e) => e.stateMachine === 'pipeline'),
    ).toHaveLength(1);
    expect((await live(DEV)).containers.find((c) => c.name === 'app')?.image).toContain('@sha256:');
    expect((await live(PROD)).revision).toBe(1);
  });

  it('starts nothing for a push whose changed paths miss the service paths', async () => {
    const response = await deliver({
      branch: 'main',
      commit: commit('b'),
      message: 'docs',
      changedPaths: ['docs/x.md'],
    });
    expect(response.status).toBe(202);
    // A later push that does match is handled after it: once that one has started, the first was decided.
    await deliver({ branch: 'main', commit: commit('8'), message: 'code', changedPaths: ['src/a.ts'] });
    await finished(await pipeline('main', commit('8')));

    const pipelines = stack()
      .runtime.stepFunctions.executions()
      .filter((e) => e.stateMachine === 'pipeline');
    expect(pipelines.map((e) => (e.input as { commit: string }).commit)).toEqual([commit('8')]);
  });

  it('waits for the approver: opening the link decides nothing, approving deploys the same digest to prod', async () => {
    const c = commit('c');
    const { execution, link } = await waitingForApproval(c, 'ship it');

    const page = await fetch(link);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(c);
    expect(execution.status).toBe('RUNNING');
    expect((await live(PROD)).revision).toBe(1);

    expect((await decide(link, 'approve', 'jane@example.com', 'go')).status).toBe(200);
    expect((await finished(execution)).status).toBe('SUCCEEDED');
    const image = (await live(PROD)).containers.find((c) => c.name === 'app')?.image;
    expect(image).toMatch(/^111111111111\.dkr\.ecr\.us-east-1\.amazonaws\.com\/web@sha256:[0-9a-f]{64}$/);
    expect((await decide(link, 'approve', 'jane@example.com')).status).toBe(409);
    const [record] = (await ledgerRecords()).filter((r) => r.environment === 'prod');
    expect(record).toMatchObject({ result: 'succeeded', commit: c, approver: 'jane@example.com', comment: 'go' });
    expect(record?.imageUri).toBe(image);
  });

  it('ends with ApprovalRejected and changes nothing when the approver rejects', async () => {
    const d = commit('d');
    const { execution, link } = await waitingForApproval(d, 'risky');

    expect((await decide(link, 'reject', 'jane@example.com', 'not today')).status).toBe(200);
    const ended = await finished(execution);

    expect(ended.status).toBe('FAILED');
    expect(ended.error).toBe('ApprovalRejected');
    expect(ended.cause).toContain('jane@example.com');
    expect((await live(PROD)).revision).toBe(1);
    // The rejection is announced like any other end of a deployment.
    expect(ended.history.filter((e) => e.state === 'Announce failure').map((e) => e.type)).toEqual([
      'StateEntered',
      'StateExited',
    ]);
  });

  it('supersedes the older commit waiting at the gate with the newer one', async () => {
    const older = commit('e');
    const newer = commit('f');
    const { link: olderLink } = await waitingForApproval(older, 'older');
    const { link: newerLink } = await waitingForApproval(newer, 'newer');

    const olderEnded = await finished(await pipeline('production', older));
    expect(olderEnded.status).toBe('SUCCEEDED');
    expect(olderEnded.output).toMatchObject({ result: 'superseded' });
    expect((await fetch(olderLink)).status).toBe(409);

    expect((await decide(newerLink, 'approve', 'jane@example.com')).status).toBe(200);
    expect((await finished(await pipeline('production', newer))).status).toBe('SUCCEEDED');
    expect((await live(PROD)).tags).toContainEqual({ key: 'crossdeploy:commit', value: newer });
  });
});

describe('pipeline workflow with queued approvals', () => {
  const { pipeline, finished, waitingForApproval } = usePipelineStack(moto, () =>
    pipelineMap({ concurrency: 'queued' }),
  );

  it('keeps both commits waiting and deploys each one approved, in turn', async () => {
    const older = commit('1');
    const newer = commit('2');
    const { link: olderLink } = await waitingForApproval(older, 'older');
    const { link: newerLink } = await waitingForApproval(newer, 'newer');

    expect((await decide(olderLink, 'approve', 'jane@example.com')).status).toBe(200);
    expect((await finished(await pipeline('production', older))).status).toBe('SUCCEEDED');
    expect((await decide(newerLink, 'approve', 'jane@example.com')).status).toBe(200);
    expect((await finished(await pipeline('production', newer))).status).toBe('SUCCEEDED');
    expect((await live(PROD)).tags).toContainEqual({ key: 'crossdeploy:commit', value: newer });
  });
});

describe('pipeline workflow with a short approval timeout', () => {
  const { deliver, pipeline, finished } = usePipelineStack(moto, () => pipelineMap({ approvalTimeout: '1s' }));

  it('ends with ApprovalTimedOut and deploys nothing when nobody decides in time', async () => {
    const g = commit('9');
    await deliver({ branch: 'production', commit: g, message: 'nobody looks' });
    const ended = await finished(await pipeline('production', g));

    expect(ended.status).toBe('FAILED');
    expect(ended.error).toBe('ApprovalTimedOut');
    expect((await live(PROD)).revision).toBe(1);
  });
});

// A task definition template of 40 KB makes every nested execution's input larger than a Cause can hold.
const bigTemplate = join(tmpdir(), `crossdeploy-big-template-${process.pid}.json`);
writeFileSync(
  bigTemplate,
  JSON.stringify({
    family: 'web',
    containerDefinitions: [
      {
        name: 'app',
        image: 'replaced-by-the-deploy',
        essential: true,
        memory: 512,
        environment: [{ name: 'BLOB', value: 'x'.repeat(40_000) }],
      },
    ],
  }),
);

describe('pipeline workflow with nested inputs larger than a Cause', () => {
  const { stack, deliver, pipeline, finished } = usePipelineStack(moto, () =>
    pipelineMap().replace('    paths: ["src/**"]', `    paths: ["src/**"]\n    taskDefinition: ${bigTemplate}`),
  );

  it('announces a rollback whose Cause was cut at 32,768 characters, and fails with DeploymentRolledBack', async () => {
    moto.scheduler().injectFault(DEV, { kind: 'circuit-breaker' });
    const h = commit('4');
    await deliver({ branch: 'main', commit: h, message: 'big' });
    const ended = await finished(await pipeline('main', h));
    await stack().settle();

    // Step Functions keeps 32,768 characters of the child's description, which lists its input first.
    const caught = ended.history.find((e) => e.type === 'StateFailed' && e.state === 'Deploy environment');
    expect(caught?.cause).toHaveLength(32_768);
    expect(ended.status).toBe('FAILED');
    expect(ended.error).toBe('DeploymentRolledBack');
    expect(ended.cause).toContain('circuit');
    expect(ended.cause).not.toMatch(/[{}]/);
    expect(ended.history.filter((e) => e.state === 'Announce failure').map((e) => e.type)).toEqual([
      'StateEntered',
      'StateExited',
    ]);
    expect((await live(DEV)).revision).toBe(1);
  });
});
