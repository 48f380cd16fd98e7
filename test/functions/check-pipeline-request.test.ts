import { fileURLToPath } from 'node:url';
import { beforeEach, describe, expect, it } from 'vitest';
import { defaultDocumentClient } from '../../aws/lease';
import { readWaveTargets } from '../../aws/wave-store';
import { loadMapFile } from '../../core/map/load';
import { rollbackInput, servicePipelineInput } from '../../core/pipeline-plan';
import { startedRun } from '../../core/pipeline-types';
import { payloadBytes } from '../../core/step-functions-limits';
import { checkPipelineRequest } from '../../functions/check-pipeline-request';
import { sharedS3Client } from '../../functions/lib/clients';
import { createArtifactsBucket } from '../../local/orchestrator';
import { putRecord } from '../support/ledger';
import { mapOf, mapYaml, WEB } from '../support/map';
import { useMoto } from '../support/moto';
import { ORCHESTRATOR, seedLedger } from '../support/workflows';

useMoto();
beforeEach(() => createArtifactsBucket(ORCHESTRATOR.region));
const example = loadMapFile(fileURLToPath(new URL('../../crossdeploy.yaml', import.meta.url)));
const commit = 'a'.repeat(40);
const digest = `sha256:${'a'.repeat(64)}`;
const repositoryUri = '111111111111.dkr.ecr.us-east-1.amazonaws.com/web';
const request = rollbackInput(example, 'web', {
  environment: 'dev',
  commit,
  image: { repositoryUri, digest, uri: `${repositoryUri}@${digest}` },
  requestedBy: 'arn:aws:sts::111111111111:assumed-role/oncall/jane',
  reason: 'x',
  skipApproval: false,
  now: new Date('2026-11-22T08:00:00Z'),
});
const devTarget = {
  target: 'web#dev#222222222222#eu-west-1',
  deploymentId: 'web-main-aaaaaaa-dev',
  serviceName: 'web',
  environment: 'dev',
  account: '222222222222',
  region: 'eu-west-1',
  cluster: 'demo',
  service: 'web',
};

describe('check-pipeline-request', () => {
  it('lets a rollback go back to an image that succeeded in its environment', async () => {
    await seedLedger();
    await putRecord({ ...devTarget, commit, imageDigest: digest, result: 'succeeded' });

    const stages = await checkPipelineRequest(startedRun(request), request.pipelineId, {
      map: () => example,
      db: defaultDocumentClient(),
    });

    expect(stages.map((s) => [s.environment, s.plan.waves.map((w) => w.targetCount)])).toEqual([['dev', [2]]]);
  });

  it("stores each wave's targets in S3 and hands on where they are, not the targets", async () => {
    const [planned] = request.stages;
    if (!planned) throw new Error('fixture');
    await seedLedger();
    await putRecord({ ...devTarget, commit, imageDigest: digest, result: 'succeeded' });

    const [stage] = await checkPipelineRequest(startedRun(request), request.pipelineId, {
      map: () => example,
      db: defaultDocumentClient(),
    });

    const [wave] = stage?.plan.waves ?? [];
    if (!wave) throw new Error('no wave handed on');
    expect(wave.store.targets).toBe(`deployments/${planned.plan.deployment.deploymentId}/wave-1/targets.json`);
    expect(await readWaveTargets(sharedS3Client(), wave.store)).toEqual(planned.plan.waves[0]?.targets);
    expect(JSON.stringify(stage)).not.toContain('"targets":[');
  });

  it("refuses a pipeline whose id is not its execution's name: it would store its waves under another's", async () => {
    await seedLedger();
    await putRecord({ ...devTarget, commit, imageDigest: digest, result: 'succeeded' });

    const checked = checkPipelineRequest(startedRun(request), 'web-main-0000000-a2', {
      map: () => example,
      db: defaultDocumentClient(),
    });

    await expect(checked).rejects.toMatchObject({
      name: 'InvalidPipelineRequest',
      message: expect.stringContaining(
        `pipelineId ${request.pipelineId} is not the name of its execution, web-main-0000000-a2`,
      ),
    });
  });

  it('refuses a rollback to an image that never succeeded there', async () => {
    await seedLedger();
    await putRecord({ ...devTarget, commit, imageDigest: digest, result: 'rolled-back' });

    const checked = checkPipelineRequest(startedRun(request), request.pipelineId, {
      map: () => example,
      db: defaultDocumentClient(),
    });

    await expect(checked).rejects.toMatchObject({
      name: 'InvalidPipelineRequest',
      message: expect.stringContaining(`${digest} never succeeded in dev`),
    });
  });
});

describe('check-pipeline-request for a branch of 5,000 targets', () => {
  const accounts = Array.from({ length: 1250 }, (_, i) => String(300000000000 + i));
  const wave = (from: number) =>
    `      - { maxConcurrency: 1000, targets: ${JSON.stringify(
      accounts.slice(from, from + 250).map((account) => ({
        account,
        regions: ['us-east-1', 'us-west-2', 'eu-west-1', 'ap-northeast-1'],
      })),
    )} }`;
  const big = mapOf(
    mapYaml(
      [{ ...WEB, branches: '{ main: [prod] }' }],
      ['  prod:', '    approval: { topic: prod-approvals }', '    waves:', ...[0, 250, 500, 750, 1000].map(wave)],
      'ecr: { principalOrgId: o-a1b2c3d4e5 }',
    ),
  );
  const planned = servicePipelineInput(big, 'web', {
    source: { github: 'acme/web' },
    branch: 'main',
    commit,
    author: 'Mona Lisa',
    message: 'Fix checkout',
    changedPaths: [],
  });

  it('is started with an input of a few KiB, and hands on stages of a few KiB, every target kept in S3', async () => {
    const input = startedRun(planned);

    const stages = await checkPipelineRequest(input, input.pipelineId, { map: () => big, db: defaultDocumentClient() });

    expect(payloadBytes(input)).toBeLessThan(4 * 1024);
    expect(payloadBytes(stages)).toBeLessThan(8 * 1024);
    const waves = stages[0]?.plan.waves ?? [];
    expect(waves.map((w) => w.targetCount)).toEqual([1000, 1000, 1000, 1000, 1000]);
    const stored = await Promise.all(waves.map((w) => readWaveTargets(sharedS3Client(), w.store)));
    expect(stored.flat()).toEqual(planned.stages[0]?.plan.waves.flatMap((w) => w.targets));
  });
});
