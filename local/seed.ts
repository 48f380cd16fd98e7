// What a platform team already has before crossdeploy arrives: the ECR repository in the tools account,
// and in each target account a cluster and a service running revision 1. Used by the demo, the benchmark
// and the tests; written as fixtures (moto's account header), never through crossdeploy's own code paths.

import { CloudWatchClient, PutMetricAlarmCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateRepositoryCommand,
  ECRClient,
  PutImageCommand,
  PutReplicationConfigurationCommand,
  SetRepositoryPolicyCommand,
} from '@aws-sdk/client-ecr';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { RULES } from '../aws/event-rules';
import { settings } from '../aws/settings';
import { ledgerTable } from '../aws/tables';
import type { DeployTarget } from '../core/contracts';
import { mergeRepositoryPolicy, type PullGrant } from '../core/ecr-policy';
import { clientForAccount, ORCHESTRATOR_ACCOUNT } from './accounts';

export interface TargetSeed {
  account: string;
  region?: string;
  cluster?: string;
  service?: string;
  container?: string;
  image?: string;
  alarms?: string[];
  /** How the service is deployed; ECS (rolling update) when absent, as in ECS itself. */
  deploymentController?: 'ECS' | 'CODE_DEPLOY' | 'EXTERNAL';
  /** The roles revision 1 hands its tasks. */
  taskRoleArn?: string;
  executionRoleArn?: string;
  /** The task definition's `runtimePlatform.cpuArchitecture`; left out (X86_64 to ECS) when not given. */
  cpuArchitecture?: 'X86_64' | 'ARM64';
  /**
   * Whose bus the account's ECS and alarm events are forwarded to: the local orchestrator account, in the region
   * this process acts in (AWS_REGION, which the local runtime sets to its orchestrator's), when not given; null
   * forwards nothing, as in an account whose bootstrap stack has no forwarding rule yet.
   */
  orchestrator?: { account: string; region: string } | null;
}

export interface SeededTarget {
  target: DeployTarget;
  clusterArn: string;
  serviceArn: string;
  taskDefinitionArn: string;
  alarms: string[];
}

/** The image the demo's services run before their first deploy. */
export const STARTING_IMAGE = 'public.ecr.aws/nginx/nginx:1.27';

/** The sidecar every seeded task definition carries, to prove a deploy keeps the other containers. */
export const SIDECAR = 'log-router';

/**
 * A target account as its owners left it: cluster, a task definition (family = service) running `image`
 * beside the sidecar, a service of 2 tasks with circuit breaker and rollback on, and its alarms in OK; then
 * crossdeploy's bootstrap forwarding its ECS and alarm events to the orchestrator's bus.
 */
export async function seedTarget(seed: TargetSeed): Promise<SeededTarget> {
  const target: DeployTarget = {
    account: seed.account,
    region: seed.region ?? 'us-east-1',
    cluster: seed.cluster ?? 'main',
    service: seed.service ?? 'web',
    container: seed.container ?? 'app',
  };
  const image = seed.image ?? STARTING_IMAGE;
  const alarms = seed.alarms ?? [];
  const ecs = clientForAccount(ECSClient, target.account, target.region);
  const cloudwatch = clientForAccount(CloudWatchClient, target.account, target.region);
  try {
    const { cluster } = await ecs.send(new CreateClusterCommand({ clusterName: target.cluster }));
    const { taskDefinition } = await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: target.service,
        ...(seed.taskRoleArn && { taskRoleArn: seed.taskRoleArn }),
        ...(seed.executionRoleArn && { executionRoleArn: seed.executionRoleArn }),
        ...(seed.cpuArchitecture && {
          runtimePlatform: { cpuArchitecture: seed.cpuArchitecture, operatingSystemFamily: 'LINUX' },
        }),
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
        ...(seed.deploymentController && { deploymentController: { type: seed.deploymentController } }),
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
    const orchestrator =
      seed.orchestrator === undefined
        ? { account: ORCHESTRATOR_ACCOUNT, region: process.env.AWS_REGION ?? 'us-east-1' }
        : seed.orchestrator;
    if (orchestrator !== null) {
      await forwardTargetEvents(target, orchestrator);
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

/** The name of the forwarding rule in each target account/region. */
export const FORWARD_RULE = 'crossdeploy-forward';

/**
 * The rule stacks/target-account.yaml (ForwardRule) makes in a target account/region: ECS deployment and CloudWatch
 * alarm state changes on its default bus, forwarded to the orchestrator's crossdeploy bus. Idempotent, as PutRule and PutTargets
 * are. The role is shaped like the stack's; moto neither needs nor checks it.
 */
export async function forwardTargetEvents(
  where: { account: string; region: string },
  orchestrator: { account: string; region: string },
): Promise<void> {
  const orchestratorBusArn = `arn:aws:events:${orchestrator.region}:${orchestrator.account}:event-bus/${settings.eventBusName()}`;
  const events = clientForAccount(EventBridgeClient, where.account, where.region);
  try {
    await events.send(
      new PutRuleCommand({
        Name: FORWARD_RULE,
        EventPattern: JSON.stringify(RULES.forwardedTargetEvents),
        State: 'ENABLED',
        Description: "crossdeploy - ECS deployment and CloudWatch alarm state changes to the orchestrator's bus",
      }),
    );
    await events.send(
      new PutTargetsCommand({
        Rule: FORWARD_RULE,
        Targets: [
          {
            Id: 'orchestrator-bus',
            Arn: orchestratorBusArn,
            RoleArn: `arn:aws:iam::${where.account}:role/crossdeploy-forwarder-${where.region}`,
          },
        ],
      }),
    );
  } finally {
    events.destroy();
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

/**
 * An image the build pushed, in the tools account: a manifest alone (moto needs no layers), stored under
 * `digest` as given, so fixtures can pin any digest.
 */
export async function seedImage(
  repository: string,
  image: { digest: string; tag: string },
  region = 'us-east-1',
): Promise<void> {
  const ecr = clientForAccount(ECRClient, ORCHESTRATOR_ACCOUNT, region);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: 2, digest: image.digest },
    layers: [],
  });
  try {
    await ecr.send(
      new PutImageCommand({
        repositoryName: repository,
        imageManifest: manifest,
        imageManifestMediaType: 'application/vnd.docker.distribution.manifest.v2+json',
        imageTag: image.tag,
        imageDigest: image.digest,
      }),
    );
  } finally {
    ecr.destroy();
  }
}

/**
 * The repository policy deploy-environment's "Open ECR for the environment" writes before a wave: pulls
 * granted to accounts or an organization, in each of `regions`. Fixtures that deploy without that step need it,
 * since the local ECS scheduler starts no task whose cross-account pull the policy does not allow.
 */
export async function seedPullGrant(repository: string, grant: PullGrant, regions: string[]): Promise<void> {
  const { policy } = mergeRepositoryPolicy(undefined, grant);
  for (const region of new Set(regions)) {
    const ecr = clientForAccount(ECRClient, ORCHESTRATOR_ACCOUNT, region);
    try {
      await ecr.send(new SetRepositoryPolicyCommand({ repositoryName: repository, policyText: policy }));
    } finally {
      ecr.destroy();
    }
  }
}

/** The tools registry's replication rules: every repository to `regions`, as the stack writes them for a map. */
export async function seedReplication(regions: string[], from = 'us-east-1'): Promise<void> {
  const ecr = clientForAccount(ECRClient, ORCHESTRATOR_ACCOUNT, from);
  try {
    await ecr.send(
      new PutReplicationConfigurationCommand({
        replicationConfiguration: {
          rules: [{ destinations: regions.map((region) => ({ region, registryId: ORCHESTRATOR_ACCOUNT })) }],
        },
      }),
    );
  } finally {
    ecr.destroy();
  }
}

/** The deployment ledger table in the orchestrator account, which the workflows write. */
export async function seedLedger(region: string): Promise<void> {
  const dynamo = new DynamoDBClient({ region });
  try {
    await dynamo.send(new CreateTableCommand(ledgerTable(settings.ledgerTable())));
  } catch (error) {
    if ((error as Error).name !== 'ResourceInUseException') throw error;
  } finally {
    dynamo.destroy();
  }
}

/**
 * What the target-account bootstrap (stacks/target-account.yaml, through its StackSet) gives a target account for
 * stacks: the stack execution role `<deployRole>-stacks`, which CloudFormation acts as. Without it, the local
 * CloudFormation refuses change sets as AWS does.
 */
export async function bootstrapTargetAccount(account: string, deployRole = 'crossdeploy-deploy'): Promise<void> {
  const iam = clientForAccount(IAMClient, account, 'us-east-1');
  try {
    await iam
      .send(
        new CreateRoleCommand({
          RoleName: `${deployRole}-stacks`,
          AssumeRolePolicyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              { Effect: 'Allow', Principal: { Service: 'cloudformation.amazonaws.com' }, Action: 'sts:AssumeRole' },
            ],
          }),
        }),
      )
      .catch((error: Error) => {
        if (error.name !== 'EntityAlreadyExistsException') throw error;
      });
  } finally {
    iam.destroy();
  }
}
