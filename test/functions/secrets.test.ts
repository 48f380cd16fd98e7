import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';
import { SECRET_TTL_MS, secretReader } from '../../aws/secrets';
import { useMoto } from '../support/moto';

const moto = useMoto();
const PARAMETER = '/crossdeploy/test/github-webhook-secret';
const env = { CROSSDEPLOY_GITHUB_WEBHOOK_SECRET_PARAM: PARAMETER };

async function putParameter(value: string) {
  const ssm = new SSMClient({});
  try {
    await ssm.send(new PutParameterCommand({ Name: PARAMETER, Type: 'SecureString', Value: value, Overwrite: true }));
  } finally {
    ssm.destroy();
  }
}

const reads = () => moto.scheduler().stats().calls['ssm:GetParameter'] ?? 0;

describe('secretReader (aws/secrets.ts)', () => {
  it('reads the SecureString parameter the environment names, decrypted', async () => {
    await putParameter('s3cret');

    expect(await secretReader({ env })('CROSSDEPLOY_GITHUB_WEBHOOK_SECRET_PARAM')).toBe('s3cret');
  });

  it('reads a parameter once per TTL, and again once the TTL has passed', async () => {
    await putParameter('first');
    let now = 1_000_000;
    const read = secretReader({ env, now: () => now });

    expect(await read('CROSSDEPLOY_GITHUB_WEBHOOK_SECRET_PARAM')).toBe('first');
    await putParameter('rotated');
    now += SECRET_TTL_MS - 1;
    expect(await read('CROSSDEPLOY_GITHUB_WEBHOOK_SECRET_PARAM')).toBe('first');
    expect(reads()).toBe(1);
    now += 1;
    expect(await read('CROSSDEPLOY_GITHUB_WEBHOOK_SECRET_PARAM')).toBe('rotated');
    expect(reads()).toBe(2);
  });

  it('reads a parameter that holds "none" as no value, for an optional secret left unset', async () => {
    await putParameter('none');

    expect(await secretReader({ env })('CROSSDEPLOY_GITHUB_WEBHOOK_SECRET_PARAM')).toBeUndefined();
  });

  it('reads nothing when the environment names no parameter', async () => {
    expect(await secretReader({ env: {} })('CROSSDEPLOY_CHAT_WEBHOOK_URL_PARAM')).toBeUndefined();
    expect(reads()).toBe(0);
  });
});
