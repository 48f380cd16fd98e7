import {
  ECRClient,
  GetRegistryPolicyCommand,
  GetRepositoryPolicyCommand,
  SetRepositoryPolicyCommand,
} from '@aws-sdk/client-ecr';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REGISTRY_REPLICATION_SID, REPOSITORY_PULL_ACTIONS, REPOSITORY_PULL_SID } from '../../core/ecr-policy';
import { openEcrToTarget } from '../../functions/open-ecr';
import { seedRepository } from '../../local/seed';
import { useMoto } from '../support/moto';
import { ORCHESTRATOR, target, targetDeployment, useWorkflows } from '../support/workflows';

const moto = useMoto();
useWorkflows();
const dev = target('222222222222', 'us-east-1');
const prod = target('333333333333', 'us-east-1');

type Statement = { Sid?: string; Effect?: string; Principal?: unknown; Action?: unknown; Condition?: unknown };

// The orchestrator's own credentials (useMoto put them in the environment): the repository lives in its account.
let ecr: ECRClient;
beforeEach(() => {
  ecr = new ECRClient({ region: ORCHESTRATOR.region });
});
afterEach(() => ecr.destroy());

async function repositoryStatements(): Promise<Statement[]> {
  const { policyText } = await ecr.send(new GetRepositoryPolicyCommand({ repositoryName: 'web' }));
  return (JSON.parse(policyText as string) as { Statement: Statement[] }).Statement;
}

const setRepositoryPolicyCalls = () => moto.scheduler().stats().calls['ecr:SetRepositoryPolicy'] ?? 0;

describe('open-ecr step (openEcrToTarget)', () => {
  it('grants the target account pull on the repository in the tools account', async () => {
    await seedRepository('web');

    const result = await openEcrToTarget(targetDeployment(dev), ecr);

    expect(result).toEqual({ repositoryPolicy: 'written', registryPolicy: 'skipped' });
    const statements = await repositoryStatements();
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatchObject({
      Sid: REPOSITORY_PULL_SID,
      Effect: 'Allow',
      Principal: { AWS: ['arn:aws:iam::222222222222:root'] },
    });
    expect([statements[0]?.Action].flat()).toEqual(expect.arrayContaining(REPOSITORY_PULL_ACTIONS));
  });

  it("keeps another team's statement that was in the repository policy before", async () => {
    await seedRepository('web');
    const foreign: Statement = {
      Sid: 'CiPush',
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::444444444444:root' },
      Action: ['ecr:PutImage', 'ecr:InitiateLayerUpload'],
    };
    await ecr.send(
      new SetRepositoryPolicyCommand({
        repositoryName: 'web',
        policyText: JSON.stringify({ Version: '2012-10-17', Statement: [foreign] }),
      }),
    );

    await openEcrToTarget(targetDeployment(dev), ecr);

    const statements = await repositoryStatements();
    expect(statements.map((s) => s.Sid)).toEqual(['CiPush', REPOSITORY_PULL_SID]);
    expect(statements[0]).toEqual(foreign);
  });

  it('reports the policy unchanged and writes nothing when the account can already pull', async () => {
    await seedRepository('web');
    await openEcrToTarget(targetDeployment(dev), ecr);
    const writesBefore = setRepositoryPolicyCalls();
    const policyBefore = await repositoryStatements();

    const second = await openEcrToTarget(targetDeployment(dev), ecr);

    expect(second.repositoryPolicy).toBe('unchanged');
    expect(writesBefore).toBe(1);
    expect(setRepositoryPolicyCalls()).toBe(writesBefore);
    expect(await repositoryStatements()).toEqual(policyBefore);
  });

  it('accumulates the accounts of several targets in its one statement', async () => {
    await seedRepository('web');

    await openEcrToTarget(targetDeployment(dev), ecr);
    await openEcrToTarget(targetDeployment(prod), ecr);

    const statements = await repositoryStatements();
    expect(statements).toHaveLength(1);
    expect(statements[0]?.Principal).toEqual({
      AWS: ['arn:aws:iam::222222222222:root', 'arn:aws:iam::333333333333:root'],
    });
  });

  it('grants the whole organization with an aws:PrincipalOrgID condition when the map names one', async () => {
    await seedRepository('web');
    const deployment = targetDeployment(dev, {
      ecr: { repository: 'web', registryPolicy: false, principalOrgId: 'o-a1b2c3d4e5' },
    });

    const result = await openEcrToTarget(deployment, ecr);

    expect(result.repositoryPolicy).toBe('written');
    const statements = await repositoryStatements();
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatchObject({
      Sid: REPOSITORY_PULL_SID,
      Effect: 'Allow',
      Principal: '*',
      Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } },
    });
  });

  it('keeps an organization grant when a later map lists accounts, so grants only ever widen', async () => {
    await seedRepository('web');
    const byOrg = targetDeployment(dev, {
      ecr: { repository: 'web', registryPolicy: false, principalOrgId: 'o-a1b2c3d4e5' },
    });
    await openEcrToTarget(targetDeployment(dev), ecr);
    await openEcrToTarget(byOrg, ecr);
    const writesBefore = setRepositoryPolicyCalls();

    const byAccount = await openEcrToTarget(targetDeployment(prod), ecr);

    expect(byAccount.repositoryPolicy).toBe('unchanged');
    expect(setRepositoryPolicyCalls()).toBe(writesBefore);
    const statements = await repositoryStatements();
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatchObject({
      Principal: '*',
      Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } },
    });
  });

  it('also writes the registry policy when the map asks for it', async () => {
    await seedRepository('web');
    const deployment = targetDeployment(dev, { ecr: { repository: 'web', registryPolicy: true } });

    const result = await openEcrToTarget(deployment, ecr);

    expect(result).toEqual({ repositoryPolicy: 'written', registryPolicy: 'written' });
    const { registryId, policyText } = await ecr.send(new GetRegistryPolicyCommand({}));
    expect(registryId).toBe(ORCHESTRATOR.account);
    const statements = (JSON.parse(policyText as string) as { Statement: (Statement & { Resource?: unknown })[] })
      .Statement;
    expect(statements).toEqual([
      expect.objectContaining({
        Sid: REGISTRY_REPLICATION_SID,
        Effect: 'Allow',
        Principal: { AWS: ['arn:aws:iam::222222222222:root'] },
        Resource: `arn:aws:ecr:${ORCHESTRATOR.region}:${ORCHESTRATOR.account}:repository/*`,
      }),
    ]);
    expect((await openEcrToTarget(deployment, ecr)).registryPolicy).toBe('unchanged');
  });

  it('fails with EcrPullDenied, every time, when another statement denies the account its pulls', async () => {
    await seedRepository('web');
    const deny = {
      Sid: 'DenyDev',
      Effect: 'Deny',
      Principal: { AWS: 'arn:aws:iam::222222222222:root' },
      Action: 'ecr:BatchGetImage',
    };
    await ecr.send(
      new SetRepositoryPolicyCommand({
        repositoryName: 'web',
        policyText: JSON.stringify({ Version: '2012-10-17', Statement: [deny] }),
      }),
    );

    for (const attempt of [1, 2]) {
      const error = await openEcrToTarget(targetDeployment(dev), ecr).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect({ attempt, name: error?.name }).toEqual({ attempt, name: 'EcrPullDenied' });
      expect(error?.message).toContain('222222222222');
    }
    expect((await repositoryStatements()).map((s) => s.Sid)).toEqual(['DenyDev', REPOSITORY_PULL_SID]);
  });

  it('fails with RepositoryNotFound naming the repository and account when the repository does not exist', async () => {
    const error = await openEcrToTarget(targetDeployment(dev), ecr).then(
      () => undefined,
      (e: unknown) => e as Error,
    );

    expect(error?.name).toBe('RepositoryNotFound');
    expect(error?.message).toContain('"web"');
    expect(error?.message).toContain(ORCHESTRATOR.account);
    expect(setRepositoryPolicyCalls()).toBe(0);
  });
});
