import { type AddressInfo, createServer } from 'node:net';
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { describeService } from '../../aws/ecs-service';
import { targetClientFactory } from '../../aws/target-clients';
import { awsCall, isTransient } from '../../aws/transient';
import { TransientAwsError } from '../../core/errors';
import { checkRollout } from '../../functions/check-rollout';
import { seedTarget } from '../../local/seed';
import { useMoto } from '../support/moto';
import { target, targetDeployment, useWorkflows } from '../support/workflows';
import { seeded } from './support';

const moto = useMoto();
useWorkflows();
const dev = target('222222222222', 'us-east-1');
const prod = target('333333333333', 'us-east-1');
const ROLE = { name: 'crossdeploy-deploy' };

/** The product's own ECS client for the target: deploy role assumed, calls through the scheduler. */
const ecsOf = (t = dev) => targetClientFactory()(t, ROLE).ecs;
const describeServices = (t = dev) =>
  ecsOf(t).send(new DescribeServicesCommand({ cluster: t.cluster, services: [t.service] }));

async function failureOf(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: unknown) => error as Error,
  );
}

describe('awsCall (aws/transient.ts) against the scheduler', () => {
  it('turns a ThrottlingException into a TransientAwsError naming the call, keeping the original as cause', async () => {
    await seeded(dev);
    moto.scheduler().injectFault(dev, { kind: 'throttle', every: 1 });

    const error = await failureOf(awsCall('ecs:DescribeServices 222222222222/us-east-1', () => describeServices()));

    expect(error).toBeInstanceOf(TransientAwsError);
    expect(error.name).toBe('TransientAwsError');
    expect(error.message).toBe('ecs:DescribeServices 222222222222/us-east-1: ThrottlingException: Rate exceeded');
    expect((error.cause as Error).name).toBe('ThrottlingException');
    expect(isTransient(error.cause)).toBe(true);
  });

  it('lets every call through but the throttled one', async () => {
    await seeded(dev);
    moto.scheduler().injectFault(dev, { kind: 'throttle', every: 2, operations: ['DescribeServices'] });
    const call = () => awsCall('ecs:DescribeServices', () => describeServices());

    const outcomes = [];
    for (let i = 0; i < 4; i++) {
      outcomes.push(
        await call().then(
          (answer) => answer.services?.[0]?.serviceName,
          (error: Error) => error.name,
        ),
      );
    }

    expect(outcomes).toEqual(['web', 'TransientAwsError', 'web', 'TransientAwsError']);
  });

  it('turns a 5xx answer into a TransientAwsError', async () => {
    await seeded(dev);
    moto.scheduler().injectFault(dev, { kind: 'lose-response', operation: 'DescribeServices' });

    const error = await failureOf(awsCall('ecs:DescribeServices', () => describeServices()));

    expect(error).toBeInstanceOf(TransientAwsError);
    expect(error.message).toContain('InternalFailure');
    expect((error.cause as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode).toBe(500);
  });

  it('turns a connection the endpoint broke before answering into a TransientAwsError', async () => {
    const server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const ecs = new ECSClient({ region: 'us-east-1', endpoint: `http://127.0.0.1:${port}`, maxAttempts: 1 });
    try {
      const error = await failureOf(
        awsCall('ecs:DescribeServices', () => ecs.send(new DescribeServicesCommand({ services: ['web'] }))),
      );

      expect(error).toBeInstanceOf(TransientAwsError);
      expect(error.message).toMatch(/^ecs:DescribeServices: \w+: /);
    } finally {
      ecs.destroy();
      server.close();
    }
  });

  it('passes a client error through unchanged', async () => {
    await seeded(dev);
    const ecs = ecsOf();
    let original: unknown;
    const call = () =>
      ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'web:99' })).catch((error: unknown) => {
        original = error;
        throw error;
      });

    const error = await failureOf(awsCall('ecs:DescribeTaskDefinition', call));

    expect(error).toBe(original);
    expect(error).not.toBeInstanceOf(TransientAwsError);
    expect(isTransient(error)).toBe(false);
    expect((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode).toBeLessThan(500);
  });

  it('throttles only the account and region the fault names', async () => {
    await seeded(dev);
    await seedTarget(prod);
    moto.scheduler().injectFault(dev, { kind: 'throttle', every: 1 });

    const answer = await awsCall('ecs:DescribeServices', () => describeServices(prod));

    expect(answer.services?.[0]?.serviceName).toBe('web');
  });

  it('makes a throttled describeService a TransientAwsError rather than ServiceNotFound', async () => {
    await seeded(dev);
    moto.scheduler().injectFault(dev, { kind: 'throttle', every: 1, operations: ['DescribeServices'] });

    await expect(describeService(ecsOf(), dev)).rejects.toBeInstanceOf(TransientAwsError);
  });

  it('makes a step fail with TransientAwsError, and succeed on the retry, when its call was throttled', async () => {
    const { taskDefinitionArn } = await seeded(dev);
    moto.scheduler().injectFault(dev, { kind: 'throttle', every: 2, operations: ['DescribeServices'] });
    const deployment = targetDeployment(dev);
    const event = {
      target: deployment.target,
      deployRole: deployment.deployment.deployRole,
      rollout: deployment.deployment.rollout,
      taskDefinitionArn,
      progress: {
        startedAt: new Date(0).toISOString(),
        rolloutChecksLeft: 2,
        state: 'IN_PROGRESS',
        summary: '',
      },
    };
    await describeServices();

    await expect(checkRollout(event)).rejects.toMatchObject({ name: 'TransientAwsError' });
    await expect(checkRollout(event)).resolves.toMatchObject({ state: 'COMPLETED' });
  });
});
