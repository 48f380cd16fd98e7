import {
  DescribeServicesCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { clientForAccount, ORCHESTRATOR_ACCOUNT } from '../../local/accounts';
import { seedImage, seedPullGrant, seedRepository } from '../../local/seed';
import { seedTarget, useMoto } from '../support/moto';

useMoto();
const DIGEST = `sha256:${'cd'.repeat(32)}`;
const uriIn = (region: string) => `${ORCHESTRATOR_ACCOUNT}.dkr.ecr.${region}.amazonaws.com/web@${DIGEST}`;

/** Points the seeded service at a new revision running `image`, and looks at it until the rollout settles. */
async function rollOut(where: { account: string; region: string }, image: string) {
  const seeded = await seedTarget(where);
  const ecs = clientForAccount(ECSClient, where.account, where.region);
  const { taskDefinition } = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: 'web',
      executionRoleArn: `arn:aws:iam::${where.account}:role/web-execution`,
      containerDefinitions: [{ name: 'app', image, memory: 512 }],
    }),
  );
  await ecs.send(
    new UpdateServiceCommand({
      cluster: seeded.clusterArn,
      service: seeded.serviceArn,
      taskDefinition: taskDefinition?.taskDefinitionArn,
    }),
  );
  const looks = [];
  for (let i = 0; i < 3; i++) {
    const { services } = await ecs.send(
      new DescribeServicesCommand({ cluster: seeded.clusterArn, services: [seeded.serviceArn] }),
    );
    looks.push(services?.[0]);
  }
  ecs.destroy();
  const last = looks.at(-1);
  return {
    newRevision: taskDefinition?.taskDefinitionArn,
    running: last?.taskDefinition,
    stopped: (last?.events ?? []).flatMap((e) => (e.message?.includes('failed to start:') ? [e.message] : [])),
  };
}

describe('the local ECS scheduler starts a task only when its image can be pulled', () => {
  it('fails the rollout with CannotPullContainerError when the image is missing in the region its URI names', async () => {
    const where = { account: '222222222222', region: 'eu-west-1' };
    await seedRepository('web', 'us-east-1');
    await seedRepository('web', 'eu-west-1');
    await seedImage('web', { digest: DIGEST, tag: 'build' }, 'us-east-1');
    await seedPullGrant('web', { accounts: [where.account] }, ['eu-west-1']);

    const rollout = await rollOut(where, uriIn('eu-west-1'));

    expect(rollout.running).not.toBe(rollout.newRevision);
    const [stopped] = rollout.stopped;
    expect(stopped?.replace(/\(task [0-9a-f]{32}\)/, '(task …)')).toBe(
      '(service web) (task …) failed to start: CannotPullContainerError: pull image manifest has been retried ' +
        `5 time(s): failed to resolve ref ${uriIn('eu-west-1')}: not found`,
    );
  });

  it('starts the tasks when the image is there and the policy grants the account', async () => {
    const where = { account: '222222222222', region: 'us-east-1' };
    await seedRepository('web', 'us-east-1');
    await seedImage('web', { digest: DIGEST, tag: 'build' }, 'us-east-1');
    await seedPullGrant('web', { accounts: [where.account] }, ['us-east-1']);

    const rollout = await rollOut(where, uriIn('us-east-1'));

    expect(rollout).toMatchObject({ running: rollout.newRevision, stopped: [] });
  });

  it("pulls from the task's own account with no repository policy at all", async () => {
    const where = { account: ORCHESTRATOR_ACCOUNT, region: 'us-east-1' };
    await seedRepository('web', 'us-east-1');
    await seedImage('web', { digest: DIGEST, tag: 'build' }, 'us-east-1');

    const rollout = await rollOut(where, uriIn('us-east-1'));

    expect(rollout).toMatchObject({ running: rollout.newRevision, stopped: [] });
  });
});
