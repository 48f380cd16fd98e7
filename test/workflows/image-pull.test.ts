// ECS pulls a task's image when it starts the task: the local scheduler refuses the pulls AWS would refuse
// (local/ecs-scheduler/pull.ts), so a repository policy that misses a target fails here as it would in AWS.
import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import type { DeployTarget } from '../../core/contracts';
import { clientForAccount, LOCAL_ORGANIZATION } from '../../local/accounts';
import { useMoto } from '../support/moto';
import {
  environmentDeployment,
  IMAGE,
  live,
  runEnvironment,
  seed,
  seedPullGrant,
  target,
  targetDeployment,
  useWorkflows,
} from '../support/workflows';

useMoto();
const engine = useWorkflows();
const dev = target('222222222222', 'us-east-1');
const other = target('333333333333', 'us-east-1');

/** Why the target's tasks stopped, as its ECS service events say, read as a fixture. */
async function stoppedTasks(t: DeployTarget): Promise<string[]> {
  const ecs = clientForAccount(ECSClient, t.account, t.region);
  const { services } = await ecs.send(new DescribeServicesCommand({ cluster: t.cluster, services: [t.service] }));
  ecs.destroy();
  return (services?.[0]?.events ?? []).flatMap((e) => (e.message?.includes('failed to start:') ? [e.message] : []));
}

describe("a target's tasks pull the image with its task execution role, as ECS does", () => {
  it('rolls the target back with CannotPullContainerError when the repository policy does not grant its account', async () => {
    await seed([dev]);
    await seedPullGrant([other]);

    const execution = await engine().run('deploy-target', targetDeployment(dev));

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('DeploymentRolledBack');
    expect(execution.cause).toMatch(/circuit breaker/i);
    const [stopped] = await stoppedTasks(dev);
    expect(stopped).toContain('CannotPullContainerError');
    expect(stopped).toContain('arn:aws:iam::222222222222:role/ecsInstanceRole');
    expect(stopped).toContain('ecr:BatchGetImage on arn:aws:ecr:us-east-1:111111111111:repository/web');
    expect((await live(dev)).revision).toBe(1);
  });

  it('deploys the target when the repository policy grants its account', async () => {
    await seed([dev]);
    await seedPullGrant([dev]);

    const execution = await engine().run('deploy-target', targetDeployment(dev));

    expect(execution.status).toBe('SUCCEEDED');
    expect((await live(dev)).containers.find((c) => c.name === 'app')?.image).toBe(IMAGE.uri);
  });

  it("pulls under a grant by aws:PrincipalOrgID only for the target's own organization", async () => {
    await seed([dev]);
    await seedPullGrant([dev], { principalOrgId: LOCAL_ORGANIZATION.id });
    expect((await engine().run('deploy-target', targetDeployment(dev))).status).toBe('SUCCEEDED');

    await seedPullGrant([dev], { principalOrgId: 'o-someoneelse' });
    const refused = await engine().run('deploy-target', targetDeployment(dev, { deploymentId: 'web-dev-again' }));
    expect(refused.error).toBe('DeploymentRolledBack');
    const stopped = await stoppedTasks(dev);
    expect(stopped.length).toBeGreaterThan(0);
    expect(stopped.filter((message) => !message.includes('CannotPullContainerError'))).toEqual([]);
  });

  it('rolls back the whole wave, reporting the target that could not pull, when the grant misses one account', async () => {
    await seed([dev, other]);
    const plan = environmentDeployment([{ targets: [dev, other] }]);
    // The grant deploy-environment writes leaves 333333333333 out.
    const execution = await runEnvironment(engine(), {
      ...plan,
      deployment: { ...plan.deployment, ecr: { ...plan.deployment.ecr, accounts: [dev.account] } },
    });

    expect(execution.status).toBe('FAILED');
    expect(execution.cause).toContain('333333333333');
    expect(execution.cause).toContain('rolled back');
    expect(await stoppedTasks(dev)).toEqual([]);
    expect((await stoppedTasks(other))[0]).toContain('CannotPullContainerError');
    expect((await live(dev)).revision).toBe(1);
    expect((await live(other)).revision).toBe(1);
  });
});
