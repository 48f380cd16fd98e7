import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import { clientForAccount, useOrchestratorAccount } from '../../local/accounts';
import { useMoto } from '../support/moto';

const aws = useMoto();

describe('local accounts', () => {
  it('makes default-credential clients act as the tools account 111111111111', async () => {
    const { Account, Arn } = await new STSClient({}).send(new GetCallerIdentityCommand({}));

    expect(Account).toBe('111111111111');
    expect(Arn).toBe('arn:aws:sts::111111111111:assumed-role/crossdeploy-local/local');
  });

  it('assumes the local role in any account it is asked for', async () => {
    const credentials = await useOrchestratorAccount(aws.endpoint(), '444444444444', 'eu-west-1');

    const { Account } = await new STSClient({ credentials }).send(new GetCallerIdentityCommand({}));

    expect(Account).toBe('444444444444');
  });

  it('puts fixture clients in the account they name, through moto’s account header', async () => {
    const sts = clientForAccount(STSClient, '555555555555', 'us-east-1');

    const { Account } = await sts.send(new GetCallerIdentityCommand({}));

    expect(Account).toBe('555555555555');
  });
});
