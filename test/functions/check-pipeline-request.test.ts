import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { defaultDocumentClient } from '../../aws/lease';
import { loadMapFile } from '../../core/map/load';
import { rollbackInput } from '../../core/pipeline-plan';
import { checkPipelineRequest } from '../../functions/check-pipeline-request';
import { putRecord } from '../support/ledger';
import { useMoto } from '../support/moto';
import { seedLedger } from '../support/workflows';

useMoto();
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

    await expect(checkPipelineRequest(request, { map: () => example, db: defaultDocumentClient() })).resolves.toEqual({
      checked: true,
    });
  });

  it('refuses a rollback to an image that never succeeded there', async () => {
    await seedLedger();
    await putRecord({ ...devTarget, commit, imageDigest: digest, result: 'rolled-back' });

    const checked = checkPipelineRequest(request, { map: () => example, db: defaultDocumentClient() });

    await expect(checked).rejects.toMatchObject({
      name: 'InvalidPipelineRequest',
      message: expect.stringContaining(`${digest} never succeeded in dev`),
    });
  });
});
