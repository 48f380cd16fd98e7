// One moto and one ECS scheduler per test worker, wiped before every test, plus the fixtures most tests need.

import { CloudWatchClient, PutMetricAlarmCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { CreateRepositoryCommand, ECRClient } from '@aws-sdk/client-ecr';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import { beforeAll, beforeEach } from 'vitest';
import type { DeployTarget } from '../../core/types';
import {
  applyCredentialsToEnv,
  clientForAccount,
  ORCHESTRATOR_ACCOUNT,
  useOrchestratorAccount,
} from '../../local/accounts';
import { type EcsScheduler, startEcsScheduler } from '../../local/ecs-scheduler';
import { type Moto, startMoto } from '../../local/moto';

interface LocalAws {
  moto: Moto;
  scheduler: EcsScheduler;
}

// On globalThis rather than in a module variable: it must survive test files re-importing this module in
// the same worker. moto stops itself when the worker exits; the scheduler's socket closes with the process.
const LOCAL_AWS = Symbol.for('crossdeploy.test.localAws');
type Holder = { [LOCAL_AWS]?: Promise<LocalAws> };

function localAws(): Promise<LocalAws> {
  const holder = globalThis as Holder;
  holder[LOCAL_AWS] ??= (async () => {
    const moto = await startMoto();
    const scheduler = await startEcsScheduler({ motoEndpoint: moto.endpoint });
    return { moto, scheduler };
  })();
  return holder[LOCAL_AWS];
}

/**
 * Every SDK client created in the test file talks to moto through the scheduler, as the tools account.
 * `motoEndpoint()` reaches moto directly, past the simulation, to check what moto itself stored.
 */
export function useMoto(): { endpoint(): string; motoEndpoint(): string; scheduler(): EcsScheduler } {
  let aws: LocalAws | undefined;
  const started = (): LocalAws => {
    if (!aws) throw new Error('useMoto(): moto is not started yet; use it inside tests or hooks');
    return aws;
  };
  const actAsOrchestrator = async () => {
    applyCredentialsToEnv(await useOrchestratorAccount(started().scheduler.endpoint));
  };

  beforeAll(async () => {
    aws = await localAws();
    process.env.AWS_ENDPOINT_URL = aws.scheduler.endpoint;
    await actAsOrchestrator();
  });
  beforeEach(async () => {
    await started().moto.reset();
    started().scheduler.reset();
    // The reset dropped the assumed role; a fresh one also teaches the reset scheduler the new key.
    await actAsOrchestrator();
  });

  return {
    endpoint: () => started().scheduler.endpoint,
    motoEndpoint: () => started().moto.endpoint,
    scheduler: () => started().scheduler,
  };
}

export interface TargetSeed {
  account: string;
  region?: string;
  cluster?: string;
  service?: string;
  container?: string;
  image?: string;
  alarms?: string[];
}

export interface SeededTarget {
  target: DeployTarget;
  clusterArn: string;
  serviceArn: string;
  taskDefinitionArn: string;
  alarms: string[];
}

/** The sidecar every seeded task definition carries, to prove a deploy keeps the other containers. */
export const SIDECAR = 'log-router';

/**
 * A target account as its owners left it: cluster, a task definition (family = service) running `image`
 * beside the sidecar, a service of 2 tasks with circuit breaker and rollback on, and its alarms in OK.
 */
export async function seedTarget(seed: TargetSeed): Promise<SeededTarget> {
  const target: DeployTarget = {
    account: seed.account,
    region: seed.region ?? 'us-east-1',
    cluster: seed.cluster ?? 'main',
    service: seed.service ?? 'web',
    container: seed.container ?? 'app',
  };
  const image = seed.image ?? `${ORCHESTRATOR_ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/${target.service}:previous`;
  const alarms = seed.alarms ?? [];
  const ecs = clientForAccount(ECSClient, target.account, target.region);
  const cloudwatch = clientForAccount(CloudWatchClient, target.account, target.region);
  try {
    const { cluster } = await ecs.send(new CreateClusterCommand({ clusterName: target.cluster }));
    const { taskDefinition } = await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: target.service,
        containerDefinitions: [
          { name: target.container, image, essential: true, memory: 512, portMappings: [{ containerPort: 8080 }] },
          { name: SIDECAR, image: 'public.ecr.aws/aws-observability/aws-for-fluent-bit:stable', memory: 64 },
        ],
      }),
    );
    const { service } = await ecs.send(
      new CreateServiceCommand({
        cluster: target.cluster,
        serviceName: target.service,
        taskDefinition: taskDefinition?.taskDefinitionArn,
        desiredCount: 2,
        deploymentConfiguration: {
          deploymentCircuitBreaker: { enable: true, rollback: true },
          maximumPercent: 200,
          minimumHealthyPercent: 100,
        },
      }),
    );
    for (const alarm of alarms) {
      await cloudwatch.send(
        new PutMetricAlarmCommand({
          AlarmName: alarm,
          Namespace: 'AWS/ECS',
          MetricName: 'CPUUtilization',
          Dimensions: [
            { Name: 'ClusterName', Value: target.cluster },
            { Name: 'ServiceName', Value: target.service },
          ],
          Statistic: 'Average',
          Period: 60,
          EvaluationPeriods: 1,
          Threshold: 90,
          ComparisonOperator: 'GreaterThanThreshold',
        }),
      );
      await cloudwatch.send(new SetAlarmStateCommand({ AlarmName: alarm, StateValue: 'OK', StateReason: 'seeded' }));
    }
    if (!cluster?.clusterArn || !service?.serviceArn || !taskDefinition?.taskDefinitionArn) {
      throw new Error(`seeding ${target.account}/${target.region} returned no ARNs`);
    }
    return {
      target,
      clusterArn: cluster.clusterArn,
      serviceArn: service.serviceArn,
      taskDefinitionArn: taskDefinition.taskDefinitionArn,
      alarms,
    };
  } finally {
    ecs.destroy();
    cloudwatch.destroy();
  }
}

/** An ECR repository in the tools account, where the builder pushes. */
export async function seedRepository(
  name: string,
  region = 'us-east-1',
): Promise<{ repositoryUri: string; repositoryArn: string }> {
  const ecr = clientForAccount(ECRClient, ORCHESTRATOR_ACCOUNT, region);
  try {
    const { repository } = await ecr.send(new CreateRepositoryCommand({ repositoryName: name }));
    if (!repository?.repositoryUri || !repository.repositoryArn) throw new Error(`repository ${name}: no URI`);
    return { repositoryUri: repository.repositoryUri, repositoryArn: repository.repositoryArn };
  } finally {
    ecr.destroy();
  }
}
