import { ECRClient, GetRepositoryPolicyCommand, SetRepositoryPolicyCommand } from '@aws-sdk/client-ecr';
import { afterEach, describe, expect, it } from 'vitest';
import type { EcrAccess } from '../../core/contracts';
import { REPOSITORY_PULL_ACTIONS, REPOSITORY_PULL_SID } from '../../core/ecr-policy';
import { openEcrForEnvironment } from '../../functions/open-ecr';
import { seedRepository } from '../../local/seed';
import { useMoto } from '../support/moto';
import { ORCHESTRATOR, target, targetDeployment, useWorkflows } from '../support/workflows';

const moto = useMoto();
useWorkflows();
const dev = target('222222222222', 'us-east-1');
const prod = target('333333333333', 'us-east-1');

type Statement = { Sid?: string; Effect?: string; Principal?: unknown; Action?: unknown; Condition?: unknown };

// The orchestrator's own credentials (useMoto put them in the environment): the repository lives in its account.
const clients = new Map<string, ECRClient>();
const ecrIn = (region: string) => {
  const client = clients.get(region) ?? new ECRClient({ region });
  clients.set(region, client);
  return client;
};
afterEach(() => {
  for (const client of clients.values()) client.destroy();
  clients.clear();
});

async function repositoryStatements(region = ORCHESTRATOR.region): Promise<Statement[]> {
  const { policyText } = await ecrIn(region).send(new GetRepositoryPolicyCommand({ repositoryName: 'web' }));
  return (JSON.parse(policyText as string) as { Statement: Statement[] }).Statement;
}

/** The open-ecr step's input as deploy-environment passes it: the environment's ECR access. */
const environmentOf = (ecrAccess: Partial<EcrAccess> = {}) => ({
  orchestrator: ORCHESTRATOR,
  ecr: { ...targetDeployment(dev).deployment.ecr, regions: [ORCHESTRATOR.region], ...ecrAccess },
});
const open = (ecrAccess: Partial<EcrAccess> = {}) => openEcrForEnvironment(environmentOf(ecrAccess), ecrIn);

const setRepositoryPolicyCalls = () => moto.scheduler().stats().calls['ecr:SetRepositoryPolicy'] ?? 0;
const failureOf = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: unknown) => e as Error,
  );
const setPolicy = (statements: object[], region = ORCHESTRATOR.region) =>
  ecrIn(region).send(
    new SetRepositoryPolicyCommand({
      repositoryName: 'web',
      policyText: JSON.stringify({ Version: '2012-10-17', Statement: statements }),
    }),
  );
const ORG_GRANT = {
  Principal: '*',
  Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } },
};

describe('open-ecr step (openEcrForEnvironment)', () => {
  it("grants the environment's accounts pull on the repository in the tools account", async () => {
    await seedRepository('web');

    const result = await open({ accounts: [dev.account] });

    expect(result).toEqual({ regions: { 'us-east-1': 'written' } });
    const statements = await repositoryStatements();
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatchObject({
      Sid: REPOSITORY_PULL_SID,
      Effect: 'Allow',
      Principal: { AWS: ['arn:aws:iam::222222222222:root'] },
    });
    expect([statements[0]?.Action].flat()).toEqual(expect.arrayContaining(REPOSITORY_PULL_ACTIONS));
  });

  it('writes the grant in every region the targets pull from: the repository and its replicas', async () => {
    await seedRepository('web', 'us-east-1');
    await seedRepository('web', 'eu-west-1');

    const result = await open({ accounts: [dev.account, prod.account], regions: ['eu-west-1', 'us-east-1'] });

    expect(result).toEqual({ regions: { 'eu-west-1': 'written', 'us-east-1': 'written' } });
    for (const region of ['eu-west-1', 'us-east-1']) {
      expect((await repositoryStatements(region))[0]?.Principal).toEqual({
        AWS: ['arn:aws:iam::222222222222:root', 'arn:aws:iam::333333333333:root'],
      });
    }
  });

  it('keeps every grant when many pipelines open the repository at once', async () => {
    await seedRepository('web');
    const accounts = Array.from({ length: 30 }, (_, i) => String(200000000000 + i));
    // Each pipeline grants the accounts of every environment of the repository (core/map/plan.ts), in its
    // own order: concurrent writers write the same policy, so none can erase another's grant.
    const writers = Array.from({ length: 8 }, (_, i) => open({ accounts: i % 2 ? accounts : [...accounts].reverse() }));

    const results = await Promise.allSettled(writers);

    expect(results.map((r) => r.status)).toEqual(Array(8).fill('fulfilled'));
    const statements = await repositoryStatements();
    expect(statements).toHaveLength(1);
    expect(statements[0]?.Principal).toEqual({ AWS: accounts.map((a) => `arn:aws:iam::${a}:root`) });
  });

  it("keeps another team's statement that was in the repository policy before", async () => {
    await seedRepository('web');
    const foreign: Statement = {
      Sid: 'CiPush',
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::444444444444:root' },
      Action: ['ecr:PutImage', 'ecr:InitiateLayerUpload'],
    };
    await setPolicy([foreign]);

    await open({ accounts: [dev.account] });

    const statements = await repositoryStatements();
    expect(statements.map((s) => s.Sid)).toEqual(['CiPush', REPOSITORY_PULL_SID]);
    expect(statements[0]).toEqual(foreign);
  });

  it("writes its grant even when another team's statement names a deleted role, dropping that principal", async () => {
    await seedRepository('web');
    const foreign: Statement = {
      Sid: 'OldCi',
      Effect: 'Allow',
      Principal: { AWS: ['AROAEXAMPLEDELETEDROLE1', 'arn:aws:iam::444444444444:role/ci'] },
      Action: ['ecr:PutImage'],
    };
    await setPolicy([foreign]);

    const result = await open({ accounts: [dev.account] });

    expect(result.regions['us-east-1']).toBe('written');
    const statements = await repositoryStatements();
    expect(statements[0]).toEqual({ ...foreign, Principal: { AWS: ['arn:aws:iam::444444444444:role/ci'] } });
    expect(statements[1]?.Sid).toBe(REPOSITORY_PULL_SID);
  });

  it('reports the policy unchanged and writes nothing when every account can already pull', async () => {
    await seedRepository('web');
    await open({ accounts: [dev.account] });
    const writesBefore = setRepositoryPolicyCalls();
    const policyBefore = await repositoryStatements();

    const second = await open({ accounts: [dev.account] });

    expect(second.regions['us-east-1']).toBe('unchanged');
    expect(writesBefore).toBe(1);
    expect(setRepositoryPolicyCalls()).toBe(writesBefore);
    expect(await repositoryStatements()).toEqual(policyBefore);
  });

  it('accumulates the accounts of several environments in its one statement', async () => {
    await seedRepository('web');

    await open({ accounts: [dev.account] });
    await open({ accounts: [prod.account] });

    const statements = await repositoryStatements();
    expect(statements).toHaveLength(1);
    expect(statements[0]?.Principal).toEqual({
      AWS: ['arn:aws:iam::222222222222:root', 'arn:aws:iam::333333333333:root'],
    });
  });

  it('grants the whole organization with an aws:PrincipalOrgID condition when the map names one', async () => {
    await seedRepository('web');

    const result = await open({ accounts: [dev.account], principalOrgId: 'o-a1b2c3d4e5' });

    expect(result.regions['us-east-1']).toBe('written');
    const statements = await repositoryStatements();
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatchObject({ Sid: REPOSITORY_PULL_SID, Effect: 'Allow', ...ORG_GRANT });
  });

  it('grants the accounts under OU paths with an aws:PrincipalOrgPaths condition when the map names them', async () => {
    await seedRepository('web');

    await open({ accounts: [dev.account], principalOrgPaths: ['o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/'] });

    expect((await repositoryStatements())[0]).toMatchObject({
      Principal: '*',
      Condition: { 'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': ['o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*'] } },
    });
  });

  it('keeps an organization grant when a later map lists accounts, so grants only ever widen', async () => {
    await seedRepository('web');
    await open({ accounts: [dev.account] });
    await open({ accounts: [dev.account], principalOrgId: 'o-a1b2c3d4e5' });
    const writesBefore = setRepositoryPolicyCalls();

    const byAccount = await open({ accounts: [prod.account] });

    expect(byAccount.regions['us-east-1']).toBe('unchanged');
    expect(setRepositoryPolicyCalls()).toBe(writesBefore);
    const statements = await repositoryStatements();
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatchObject(ORG_GRANT);
  });

  it('fails with RepositoryPolicyTooLarge, writing nothing, when the grant would outgrow the 10,240-character cap', async () => {
    await seedRepository('web');
    const accounts = Array.from({ length: 400 }, (_, i) => String(200000000000 + i));

    const error = await failureOf(open({ accounts }));

    expect(error?.name).toBe('RepositoryPolicyTooLarge');
    expect(error?.message).toMatch(/"web" in 111111111111\/us-east-1 would be \d{5} characters .* 400 accounts/);
    expect(error?.message).toContain('ecr.principalOrgId');
    expect(setRepositoryPolicyCalls()).toBe(0);
  });

  it('fails with EcrPullDenied, every time, when another statement denies an account its pulls', async () => {
    await seedRepository('web');
    await setPolicy([
      {
        Sid: 'DenyDev',
        Effect: 'Deny',
        Principal: { AWS: 'arn:aws:iam::222222222222:root' },
        Action: 'ecr:BatchGetImage',
      },
    ]);

    for (const attempt of [1, 2]) {
      const error = await failureOf(open({ accounts: [prod.account, dev.account] }));
      expect({ attempt, name: error?.name }).toEqual({ attempt, name: 'EcrPullDenied' });
      expect(error?.message).toContain('222222222222');
    }
    expect((await repositoryStatements()).map((s) => s.Sid)).toEqual(['DenyDev', REPOSITORY_PULL_SID]);
  });

  it('fails with RepositoryNotFound naming the repository, account and region when a replica region lacks it', async () => {
    await seedRepository('web', 'us-east-1');

    const error = await failureOf(open({ accounts: [dev.account], regions: ['eu-west-1'] }));

    expect(error?.name).toBe('RepositoryNotFound');
    expect(error?.message).toContain('"web"');
    expect(error?.message).toContain(`${ORCHESTRATOR.account}/eu-west-1`);
    expect(setRepositoryPolicyCalls()).toBe(0);
  });
});
