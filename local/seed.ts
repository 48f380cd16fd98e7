import { CloudWatchClient, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { CreateRepositoryCommand, ECRClient, RepositoryAlreadyExistsException } from '@aws-sdk/client-ecr';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import { clientForAccount } from './accounts';

// What a platform team already has before crossdeploy arrives: the ECR repository in the tools account,
// and in each target account a cluster and a service running revision 1. Used by the demo and the tests.

export const STARTING_IMAGE = 'public.ecr.aws/nginx/nginx:1.27';

export interface SeedTarget {
  account: string;
  region: string;
  cluster: string;
  service: string;
  container: string;
  image?: string;
  alarms?: string[];
  desiredCount?: number;
}

/** Creates the cluster, revision 1 of the service's family, the service and its alarms (state OK). */
export async function seedTarget(t: SeedTarget): Promise<{ taskDefinitionArn: string }> {
  const ecs = clientForAccount(ECSClient, t.account, t.region);
  const cloudwatch = clientForAccount(CloudWatchClient, t.account, t.region);
  await ecs.send(new CreateClusterCommand({ clusterName: t.cluster }));
  const registered = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: t.service,
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: '256',
      memory: '512',
      executionRoleArn: `arn:aws:iam::${t.account}:role/${t.service}-execution`,
      containerDefinitions: [
        {
          name: t.container,
          image: t.image ?? STARTING_IMAGE,
          essential: true,
          portMappings: [{ containerPort: 80, protocol: 'tcp' }],
        },
        // A second container proves a deploy replaces one image and keeps everything else.
        { name: 'log-router', image: 'public.ecr.aws/aws-observability/aws-for-fluent-bit:stable', essential: false },
      ],
    }),
  );
  const taskDefinitionArn = registered.taskDefinition?.taskDefinitionArn as string;
  await ecs.send(
    new CreateServiceCommand({
      cluster: t.cluster,
      serviceName: t.service,
      taskDefinition: taskDefinitionArn,
      desiredCount: t.desiredCount ?? 2,
      launchType: 'FARGATE',
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
    }),
  );
  for (const alarm of t.alarms ?? []) {
    await cloudwatch.send(
      new PutMetricAlarmCommand({
        AlarmName: alarm,
        Namespace: 'AWS/ApplicationELB',
        MetricName: 'HTTPCode_Target_5XX_Count',
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 5,
        ComparisonOperator: 'GreaterThanThreshold',
      }),
    );
  }
  ecs.destroy();
  cloudwatch.destroy();
  return { taskDefinitionArn };
}

/** The ECR repository in the orchestrator account (the caller's credentials). */
export async function seedRepository(name: string, region: string): Promise<void> {
  const ecr = new ECRClient({ region });
  try {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: name }));
  } catch (error) {
    if (!(error instanceof RepositoryAlreadyExistsException)) throw error;
  } finally {
    ecr.destroy();
  }
}
