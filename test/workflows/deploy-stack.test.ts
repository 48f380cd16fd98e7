import { ECSClient, ListClustersCommand } from '@aws-sdk/client-ecs';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import { clientForAccount } from '../../local/accounts';
import { useMoto } from '../support/moto';
import { environmentStackRun, liveStack, network, publishNetwork, stackTarget } from '../support/stacks';
import { mapIterations, runEnvironment, useWorkflows } from '../support/workflows';

useMoto();
const engine = useWorkflows();

const [a, b, c, d] = ['222222222222', '333333333333'].flatMap((account) => [
  stackTarget(account, 'us-east-1'),
  stackTarget(account, 'eu-west-1'),
]);
if (!a || !b || !c || !d) throw new Error('fixture');
const INPUTS = { ClusterName: 'dev-cluster' };

describe('environment stacks through deploy-environment (state-machines/deploy-stack.asl.json)', () => {
  it("creates the environment's stack in every account and region, wave after wave, with the template's outputs", async () => {
    await publishNetwork();

    const execution = await runEnvironment(
      engine(),
      environmentStackRun(network('v1.0'), INPUTS, [{ targets: [a] }, { targets: [b, c, d], maxConcurrency: 2 }]),
    );

    expect(execution.status).toBe('SUCCEEDED');
    for (const t of [a, b, c, d]) {
      const stack = await liveStack(t);
      expect(stack).toMatchObject({ status: 'CREATE_COMPLETE', version: 'v1.0' });
      expect(stack?.outputs.ClusterName).toBe('dev-cluster');
      expect(stack?.outputs.VpcId).toMatch(/^vpc-/);
      const ecs = clientForAccount(ECSClient, t.account, t.region);
      const { clusterArns = [] } = await ecs.send(new ListClustersCommand({}));
      expect(clusterArns).toContain(`arn:aws:ecs:${t.region}:${t.account}:cluster/dev-cluster`);
    }
    const started = engine()
      .descendants(execution)
      .filter((e) => !e.stateMachine.startsWith('deploy-environment/'));
    expect(started.map((e) => e.stateMachine)).toEqual(Array(4).fill('deploy-stack'));
    expect(execution.history.some((e) => e.state === 'Open ECR for the environment')).toBe(false);
  });

  it('upgrades every stack to a new version, and changes nothing when the stacks run it already', async () => {
    await publishNetwork();
    await runEnvironment(engine(), environmentStackRun(network('v1.0'), INPUTS, [{ targets: [a, b] }]));

    const upgrade = await runEnvironment(engine(), environmentStackRun(network('v1.1'), INPUTS, [{ targets: [a, b] }]));
    const again = await runEnvironment(
      engine(),
      environmentStackRun(network('v1.1'), INPUTS, [{ targets: [a, b] }], 'env-dev-v1-1-again'),
    );

    expect(upgrade.status).toBe('SUCCEEDED');
    for (const t of [a, b]) {
      const stack = await liveStack(t);
      expect(stack).toMatchObject({ status: 'UPDATE_COMPLETE', version: 'v1.1' });
      expect(stack?.outputs.TaskExecutionRoleArn).toBe(
        `arn:aws:iam::${t.account}:role/dev-cluster-${t.region}-task-execution`,
      );
    }
    expect(again.status).toBe('SUCCEEDED');
    const unchanged = engine()
      .descendants(again)
      .filter((e) => e.stateMachine === 'deploy-stack');
    expect(unchanged.map((e) => e.output)).toEqual([
      expect.objectContaining({ changed: false }),
      expect.objectContaining({ changed: false }),
    ]);
  });

  it("fails a wave whose stack CloudFormation rolled back, naming the resource and its reason, and puts the wave's upgraded stacks back on their version", async () => {
    await publishNetwork();
    await runEnvironment(engine(), environmentStackRun(network('v1.0'), INPUTS, [{ targets: [a, c] }]));
    // The role v1.1 creates already exists in account 333333333333: CloudFormation cannot create it there.
    const iam = clientForAccount(IAMClient, c.account, c.region);
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'dev-cluster-us-east-1-task-execution',
        AssumeRolePolicyDocument: '{"Statement":[]}',
      }),
    );

    const upgrade = await runEnvironment(
      engine(),
      environmentStackRun(network('v1.1'), INPUTS, [{ targets: [a, c] }, { targets: [b] }]),
    );

    expect(upgrade.status).toBe('FAILED');
    expect(upgrade.error).toBe('StackRolledBack');
    expect(upgrade.cause).toContain('333333333333/us-east-1');
    expect(upgrade.cause).toMatch(
      /UPDATE_ROLLBACK_COMPLETE after resource TaskExecutionRole \(AWS::IAM::Role\) CREATE_FAILED: .*dev-cluster-us-east-1-task-execution/,
    );
    expect(await liveStack(c)).toMatchObject({ status: 'UPDATE_ROLLBACK_COMPLETE', version: 'v1.0' });
    const putBack = await liveStack(a);
    expect(putBack).toMatchObject({ status: 'UPDATE_COMPLETE', version: 'v1.0' });
    expect(putBack?.outputs.TaskExecutionRoleArn).toBeUndefined();
    expect(await liveStack(b)).toBeUndefined();
    const rollbacks = engine()
      .executions()
      .filter((e) => e.stateMachine === 'rollback-stack');
    expect(rollbacks.map((e) => [e.status, (e.output as { target?: unknown } | undefined)?.target])).toEqual([
      ['SUCCEEDED', a],
    ]);
  });

  it('deletes the stacks a failed wave created, and refuses to deploy again over one whose creation rolled back', async () => {
    await publishNetwork();
    // The role v1.1 creates already exists in account 333333333333: CloudFormation cannot create the stack there.
    const iam = clientForAccount(IAMClient, c.account, c.region);
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'dev-cluster-us-east-1-task-execution',
        AssumeRolePolicyDocument: '{"Statement":[]}',
      }),
    );
    const run = environmentStackRun(network('v1.1'), INPUTS, [{ targets: [a, c] }]);

    const created = await runEnvironment(engine(), run);
    const again = await runEnvironment(engine(), {
      ...run,
      deployment: { ...run.deployment, deploymentId: 'env-dev-v1-1-again' },
    });

    expect(created.status).toBe('FAILED');
    expect(created.error).toBe('StackRolledBack');
    expect(created.cause).toMatch(
      /ROLLBACK_COMPLETE after resource TaskExecutionRole \(AWS::IAM::Role\) CREATE_FAILED/,
    );
    expect(await liveStack(a)).toBeUndefined();
    const deletions = mapIterations(engine(), created, 'roll-back-updated-targets-of-wave').flatMap((i) =>
      engine()
        .descendants(i)
        .filter((e) => e.stateMachine === 'rollback-stack'),
    );
    expect(deletions.map((e) => e.status)).toEqual(['SUCCEEDED']);
    expect(deletions[0]?.history.some((e) => e.state === 'Delete the stack the deployment created')).toBe(true);
    expect(again.status).toBe('FAILED');
    expect(again.error).toBe('StackNotDeployable');
    expect(again.cause).toContain('ROLLBACK_COMPLETE');
  });

  it('fails a stack CloudFormation cannot create with the resource and its reason, and leaves it rolled back', async () => {
    await publishNetwork();
    const run = environmentStackRun(network('v1.0'), { ...INPUTS, SubnetCidr: '192.168.0.0/24' }, [{ targets: [a] }]);

    const execution = await runEnvironment(engine(), run);

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('StackRolledBack');
    expect(execution.cause).toMatch(
      /ROLLBACK_COMPLETE after resource Subnet \(AWS::EC2::Subnet\) CREATE_FAILED: .*192\.168\.0\.0\/24/,
    );
    expect(await liveStack(a)).toMatchObject({ status: 'ROLLBACK_COMPLETE' });
  });

  it('fails in a target account the bootstrap gave no stack execution role, saying so, and creates nothing', async () => {
    await publishNetwork();
    const unbootstrapped = stackTarget('555555555555', 'us-east-1');

    const execution = await runEnvironment(
      engine(),
      environmentStackRun(network('v1.0'), INPUTS, [{ targets: [unbootstrapped] }]),
    );

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('StackExecutionRoleMissing');
    expect(execution.cause).toContain(
      '555555555555/us-east-1 crossdeploy-env-dev: CloudFormation cannot act as ' +
        'arn:aws:iam::555555555555:role/crossdeploy-deploy-stacks',
    );
    expect(execution.cause).toContain('bootstrap.stackExecutionPolicyArns');
    expect(await liveStack(unbootstrapped)).toBeUndefined();
  });
});
