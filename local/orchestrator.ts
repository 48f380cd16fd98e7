import { CreateTableCommand, DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import {
  CreateRepositoryCommand,
  ECRClient,
  PutReplicationConfigurationCommand,
  RepositoryAlreadyExistsException,
} from '@aws-sdk/client-ecr';
import {
  CreateEventBusCommand,
  EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { type BucketLocationConstraint, CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { rulePattern } from '../aws/event-rules';
import { settings } from '../aws/settings';
import {
  approvalsTable,
  deliveriesTable,
  idempotencyTable,
  leasesTable,
  ledgerTable,
  templatesTable,
} from '../aws/tables';
import { replicationRules, repositoryPullers } from '../core/images';
import type { DeploymentMap } from '../core/map/schema';

/** The queues the local runtime reads; in AWS the same rules target the functions directly. */
interface LocalQueues {
  pushes: string;
  approvalDecisions: string;
  approvalMessages: string;
  /** Deployment notices and the events target accounts forward, for notify. */
  notifications: string;
}

/**
 * Creates in the orchestrator account what the map needs there: ECR repositories (with a replica repository
 * in each region their targets run in, and the registry's replication rules), approval topics, the tables,
 * the bus and its rules. Target-account resources (clusters, services, alarms) are the user's.
 * Safe to run against an endpoint that already has them.
 */
export async function provisionOrchestrator(map: DeploymentMap): Promise<LocalQueues> {
  const region = map.orchestrator.region;
  const ecr = new ECRClient({ region });
  const dynamo = new DynamoDBClient({ region });
  const sns = new SNSClient({ region });
  const sqs = new SQSClient({ region, useQueueUrlAsEndpoint: false });
  const events = new EventBridgeClient({ region });
  try {
    for (const repository of new Set(Object.values(map.services).map((s) => s.repository))) {
      for (const at of new Set([region, ...repositoryPullers(map, repository).regions])) {
        const regional = new ECRClient({ region: at });
        await regional
          .send(new CreateRepositoryCommand({ repositoryName: repository }))
          .catch(unless(RepositoryAlreadyExistsException))
          .finally(() => regional.destroy());
      }
    }
    const replication = replicationRules(map);
    if (replication.rules.length > 0) {
      await ecr.send(new PutReplicationConfigurationCommand({ replicationConfiguration: replication }));
    }
    await createArtifactsBucket(region);
    for (const table of [
      deliveriesTable(settings.deliveriesTable()),
      approvalsTable(settings.approvalsTable()),
      leasesTable(settings.leasesTable()),
      ledgerTable(settings.ledgerTable()),
      templatesTable(settings.templatesTable()),
      idempotencyTable(settings.idempotencyTable()),
    ]) {
      await dynamo.send(new CreateTableCommand(table)).catch(unless(ResourceInUseException));
    }
    const queue = (name: string) => ruleQueue(sqs, name);
    const pushes = await queue('crossdeploy-pushes');
    const decisions = await queue('crossdeploy-approval-decisions');
    const messages = await queue('crossdeploy-approval-messages');
    const notifications = await queue('crossdeploy-notifications');

    const bus = await createBus(events);
    const rule = (name: string, pattern: object, target: string, eventBusName: string) =>
      ruleTo(events, name, pattern, target, eventBusName);
    await rule('crossdeploy-pushes', rulePattern('pushes', map.orchestrator.account), pushes.arn, bus);
    // CodeCommit publishes on the account's default bus.
    await rule(
      'crossdeploy-codecommit-pushes',
      rulePattern('codecommitPushes', map.orchestrator.account),
      pushes.arn,
      'default',
    );
    await rule(
      'crossdeploy-approval-decisions',
      rulePattern('approvalDecisions', map.orchestrator.account),
      decisions.arn,
      bus,
    );
    await rule(
      'crossdeploy-notifications',
      rulePattern('notifications', map.orchestrator.account),
      notifications.arn,
      bus,
    );
    // Target accounts forward their ECS and alarm events to the orchestrator's bus, not its default one.
    await rule(
      'crossdeploy-forwarded-target-events',
      rulePattern('forwardedTargetEvents', map.orchestrator.account),
      notifications.arn,
      bus,
    );
    await createNotificationsTopic(sns, map.orchestrator);

    for (const environment of Object.values(map.environments)) {
      if (!environment.approval) continue;
      const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: environment.approval.topic }));
      await sns.send(
        new SubscribeCommand({
          TopicArn,
          Protocol: 'sqs',
          Endpoint: messages.arn,
          Attributes: { RawMessageDelivery: 'true' },
        }),
      );
    }
    return {
      pushes: pushes.url,
      approvalDecisions: decisions.url,
      approvalMessages: messages.url,
      notifications: notifications.url,
    };
  } finally {
    for (const client of [ecr, dynamo, sns, sqs, events]) client.destroy();
  }
}

/** A queue a bus rule delivers to (moto cannot invoke Lambda): its URL to read, its ARN to target. */
export async function ruleQueue(sqs: SQSClient, name: string): Promise<{ url: string; arn: string }> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  return { url: QueueUrl as string, arn: Attributes?.QueueArn as string };
}

/** crossdeploy's bus, created unless it exists; its name. */
export async function createBus(events: EventBridgeClient): Promise<string> {
  const bus = settings.eventBusName();
  await events.send(new CreateEventBusCommand({ Name: bus })).catch(unlessNamed('ResourceAlreadyExistsException'));
  return bus;
}

/** A rule on `bus` matching `pattern`, with `target` as its one target. */
export async function ruleTo(events: EventBridgeClient, name: string, pattern: object, target: string, bus: string) {
  await events.send(new PutRuleCommand({ Name: name, EventBusName: bus, EventPattern: JSON.stringify(pattern) }));
  await events.send(new PutTargetsCommand({ Rule: name, EventBusName: bus, Targets: [{ Id: 'local', Arn: target }] }));
}

/**
 * Where the packaging builds store application stacks' templates and deployments keep their waves; outside
 * us-east-1 a bucket names its region.
 */
export async function createArtifactsBucket(region: string) {
  const s3 = new S3Client({ region });
  try {
    await s3
      .send(
        new CreateBucketCommand({
          Bucket: settings.artifactsBucket(),
          ...(region === 'us-east-1'
            ? {}
            : { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }),
        }),
      )
      .catch(unlessNamed('BucketAlreadyOwnedByYou'));
  } finally {
    s3.destroy();
  }
}

/**
 * CROSSDEPLOY_NOTIFICATIONS_TOPIC_ARN may name a topic in the orchestrator account: locally it is created, so
 * notify can publish to it. A topic elsewhere is the user's to create.
 */
async function createNotificationsTopic(sns: SNSClient, orchestrator: { account: string; region: string }) {
  const arn = settings.notificationsTopicArn();
  const [, , service, region, account, name] = arn?.split(':') ?? [];
  if (service !== 'sns' || region !== orchestrator.region || account !== orchestrator.account || !name) return;
  await sns.send(new CreateTopicCommand({ Name: name }));
}

function unless(kind: new (...args: never[]) => Error) {
  return (error: unknown) => {
    if (!(error instanceof kind)) throw error;
  };
}

function unlessNamed(name: string) {
  return (error: unknown) => {
    if ((error as Error).name !== name) throw error;
  };
}
