import {
  DescribeServicesCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import { startEcsScheduler } from '../../local/ecs-scheduler';
import { type SeededTarget, seedTarget, useMoto } from '../support/moto';

const aws = useMoto();
const DEV = { account: '222222222222', region: 'us-east-1' };

/** An ECS client acting in DEV the way the product does: credentials assumed at `endpoint`. */
async function ecsAt(endpoint: string): Promise<ECSClient> {
  const sts = new STSClient({ region: DEV.region, endpoint });
  const { Credentials: c } = await sts.send(
    new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${DEV.account}:role/crossdeploy-deploy`, RoleSessionName: 'test' }),
  );
  sts.destroy();
  if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error('AssumeRole returned no credentials');
  return new ECSClient({
    region: DEV.region,
    endpoint,
    credentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken },
  });
}

async function describe1(ecs: ECSClient, seeded: SeededTarget) {
  const { services } = await ecs.send(
    new DescribeServicesCommand({ cluster: seeded.target.cluster, services: [seeded.target.service] }),
  );
  const service = services?.[0];
  if (!service) throw new Error(`${seeded.serviceArn} not described`);
  return service;
}

/** Revision 2 put in service by its short name, then watched through the scheduler until the rollout settles. */
async function settledRollout(ecs: ECSClient, seeded: SeededTarget, failTasks = false): Promise<string> {
  if (failTasks) aws.scheduler().injectFault(DEV, { kind: 'circuit-breaker' });
  const { taskDefinition } = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: seeded.target.service,
      containerDefinitions: [{ name: seeded.target.container, image: 'web:v2', memory: 512 }],
    }),
  );
  await ecs.send(
    new UpdateServiceCommand({
      cluster: seeded.target.cluster,
      service: seeded.target.service,
      taskDefinition: `${seeded.target.service}:${taskDefinition?.revision}`,
    }),
  );
  for (let i = 0; i < 4; i++) {
    const { deployments } = await describe1(ecs, seeded);
    if (deployments?.length === 1 && deployments[0]?.rolloutState === 'COMPLETED') break;
  }
  return taskDefinition?.taskDefinitionArn ?? '';
}

describe('the ECS simulation after a rollout settles', () => {
  it('leaves the settled revision in moto as its ARN, with the deployment configuration moto dropped', async () => {
    const seeded = await seedTarget(DEV);
    const ecs = await ecsAt(aws.endpoint());

    const newRevision = await settledRollout(ecs, seeded);

    const inMoto = await describe1(await ecsAt(aws.motoEndpoint()), seeded);
    expect(inMoto.taskDefinition).toBe(newRevision);
    expect(inMoto.deploymentConfiguration?.deploymentCircuitBreaker).toEqual({ enable: true, rollback: true });
  });

  it('shows a scheduler started later over the same moto the service steady on the settled revision', async () => {
    const seeded = await seedTarget(DEV);
    const newRevision = await settledRollout(await ecsAt(aws.endpoint()), seeded);

    const later = await startEcsScheduler({ motoEndpoint: aws.motoEndpoint() });
    try {
      const service = await describe1(await ecsAt(later.endpoint), seeded);

      expect(service.taskDefinition).toBe(newRevision);
      expect(service.deployments?.map((d) => [d.status, d.taskDefinition, d.rolloutState])).toEqual([
        ['PRIMARY', newRevision, 'COMPLETED'],
      ]);
      expect(service.deploymentConfiguration?.deploymentCircuitBreaker).toEqual({ enable: true, rollback: true });
    } finally {
      await later.stop();
    }
  });

  it('leaves the revision ECS rolled back to in moto after the circuit breaker tripped', async () => {
    const seeded = await seedTarget(DEV);

    await settledRollout(await ecsAt(aws.endpoint()), seeded, true);

    const inMoto = await describe1(await ecsAt(aws.motoEndpoint()), seeded);
    expect(inMoto.taskDefinition).toBe(seeded.taskDefinitionArn);
  });
});
