// The orchestrator's DynamoDB tables (stacks/tables.ts, from aws/tables.ts), the approvers' SNS topics and the
// topic of deployment notices.
import { type OrchestratorNames, resourceIds } from './names';
import { dynamoTableArgs, TABLES, type TableId } from './tables';

export type Tables = Record<TableId, aws.dynamodb.Table>;

export function createTables(names: OrchestratorNames): Tables {
  const prod = $app.stage === 'prod';
  const tables: Partial<Tables> = {};
  for (const spec of TABLES) {
    const args = dynamoTableArgs(spec.define(spec.name(names)), 'ttl' in spec ? spec.ttl : undefined);
    const retained = 'retained' in spec && spec.retained;
    tables[spec.id] = new aws.dynamodb.Table(
      `${spec.id}Table`,
      {
        ...args,
        // Approvals and leases are the state of running pipelines: recoverable in prod, and not deleted by
        // accident. The ledger (what ran where) and the template registry (what each version was) are audit
        // records: recoverable and protected in every stage.
        pointInTimeRecovery: { enabled: prod || retained },
        deletionProtectionEnabled: prod || retained,
      },
      // `sst remove` of any stage leaves the retained tables in place (only prod retains everything, `removal: retain`).
      retained ? { retainOnDelete: true } : undefined,
    );
  }
  return tables as Tables;
}

/**
 * One topic per approval gate of the map, named as the map names it (request-approval publishes by that
 * name). Who is told (e-mail, chat) is subscribed outside the stack.
 */
export function createApprovalTopics(names: OrchestratorNames): Record<string, aws.sns.Topic> {
  const topics: Record<string, aws.sns.Topic> = {};
  for (const [topic, id] of resourceIds(names.approvalTopics)) {
    topics[topic] = new aws.sns.Topic(`ApprovalTopic${id}`, { name: topic });
  }
  return topics;
}

/**
 * `crossdeploy-<stage>-notifications`: notify publishes every deployment notice here. Always created (a topic
 * nobody subscribes to costs nothing and delivers nothing); subscribing is how a team opts in.
 */
export function createNotificationsTopic(names: OrchestratorNames): aws.sns.Topic {
  return new aws.sns.Topic('NotificationsTopic', { name: names.notificationsTopic });
}
