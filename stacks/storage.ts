// The orchestrator's DynamoDB tables (stacks/tables.ts, from aws/tables.ts) and the approvers' SNS topics.
import { type OrchestratorNames, resourceIds } from './names';
import { dynamoTableArgs, TABLES, type TableId } from './tables';

export type Tables = Record<TableId, aws.dynamodb.Table>;

export function createTables(names: OrchestratorNames): Tables {
  const prod = $app.stage === 'prod';
  const tables: Partial<Tables> = {};
  for (const spec of TABLES) {
    const args = dynamoTableArgs(spec.define(spec.name(names)), 'ttl' in spec ? spec.ttl : undefined);
    tables[spec.id] = new aws.dynamodb.Table(`${spec.id}Table`, {
      ...args,
      // Approvals and leases are the state of running pipelines: recoverable, and not deleted by accident.
      pointInTimeRecovery: { enabled: prod },
      deletionProtectionEnabled: prod,
    });
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
