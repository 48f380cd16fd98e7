import { DeleteServiceCommand, ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import type { ServiceInstanceSpec } from '../../core/contracts';
import { findServiceInstance } from '../../functions/find-service-instance';
import { clientForAccount } from '../../local/accounts';
import { seedTarget } from '../../local/seed';
import { useMoto } from '../support/moto';
import { target, targetDeployment, useWorkflows } from '../support/workflows';
import { recordingClientFactory } from './support';

useMoto();
useWorkflows();
const dev = target('222222222222', 'us-east-1');

const INSTANCE: ServiceInstanceSpec = {
  template: { kind: 'services', name: 'web-service', version: 'v1.0' },
  inputs: { DesiredCount: 3 },
  stackName: 'crossdeploy-svc-web-dev',
  environmentStack: 'crossdeploy-env-dev',
  rollout: { intervalSeconds: 15, checks: 240 },
};
const withTemplate = targetDeployment(dev, { serviceInstance: INSTANCE });

/** Deletes the seeded service, as ECS keeps it for a while: INACTIVE. */
async function deleteService() {
  const ecs = clientForAccount(ECSClient, dev.account, dev.region);
  try {
    await ecs.send(new UpdateServiceCommand({ cluster: dev.cluster, service: dev.service, desiredCount: 0 }));
    await ecs.send(new DeleteServiceCommand({ cluster: dev.cluster, service: dev.service }));
  } finally {
    ecs.destroy();
  }
}

describe('find-service-instance step (findServiceInstance)', () => {
  it('finds the service its team created, with no instance stack, and asks for nothing to be deployed', async () => {
    await seedTarget(dev);

    expect(await findServiceInstance(withTemplate)).toEqual({ current: true });
  });

  it.each([
    ['whose cluster does not exist', async () => {}],
    ['missing from its cluster', async () => void (await seedTarget({ ...dev, service: 'api' }))],
    ['deleted (INACTIVE)', async () => void (await seedTarget(dev).then(deleteService))],
  ])("answers a service %s with deploy-stack's input for its instance", async (_, arrange) => {
    await arrange();

    const found = await findServiceInstance(withTemplate);

    expect(found).toMatchObject({
      current: false,
      why: 'missing',
      stack: {
        deployment: { template: INSTANCE.template, inputs: INSTANCE.inputs, environmentStack: 'crossdeploy-env-dev' },
        target: { account: dev.account, region: dev.region, stackName: 'crossdeploy-svc-web-dev' },
      },
    });
  });

  it('calls nothing for a service without a template: the image deploy reports a missing service', async () => {
    const { clients, sent } = recordingClientFactory();

    expect(await findServiceInstance(targetDeployment(dev), clients)).toEqual({ current: true });
    expect(sent).toEqual([]);
  });
});
