// Where the local console's pages get what they show: the executions, the pending approvals and the status,
// each read through the same modules an operator's commands use.

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { everyPending } from '../../aws/approvals';
import {
  type ExecutionTree,
  executionTree,
  listPipelineExecutions,
  type PipelineExecution,
} from '../../aws/executions';
import { requiredSecret } from '../../aws/secrets';
import { settings } from '../../aws/settings';
import { liveStatus } from '../../aws/status';
import { signApprovalLink } from '../../core/approval-link';
import { loadMapFile } from '../../core/map/load';
import type { StatusRow } from '../../core/status';
import type { PendingApproval } from './approvals';

/** What the console shows, each read on its own: one that fails leaves the others on the page. */
export interface ConsoleSources {
  executions(): Promise<PipelineExecution[]>;
  /** Undefined when there is no such execution. */
  execution(executionArn: string): Promise<ExecutionTree | undefined>;
  pendingApprovals(now: Date): Promise<PendingApproval[]>;
  status(): Promise<StatusRow[]>;
}

const SHOWN_EXECUTIONS = 50;
/** A pipeline's environments, their waves' Map Run children, the targets these start and the targets' rollbacks. */
const FOLLOW_DEPTH = 4;

/**
 * The console reads what an operator's commands read, through the same APIs: Step Functions (answered by the
 * local engine), the approvals table and the map this process runs with. Every read happens per request: a
 * page shows the state of things when it was asked for.
 */
export function localConsoleSources(pipelineArn: string): ConsoleSources {
  let clients: { sfn: SFNClient; dynamo: DynamoDBDocumentClient } | undefined;
  // Created on the first request: by then the runtime has set the endpoint and the orchestrator's credentials.
  const use = () => {
    clients ??= { sfn: new SFNClient({}), dynamo: DynamoDBDocumentClient.from(new DynamoDBClient({})) };
    return clients;
  };
  return {
    executions: () => listPipelineExecutions(use().sfn, pipelineArn, { limit: SHOWN_EXECUTIONS }),
    async execution(executionArn) {
      try {
        return await executionTree(use().sfn, executionArn, FOLLOW_DEPTH);
      } catch (error) {
        if (['ExecutionDoesNotExist', 'InvalidArn'].includes((error as Error).name)) return undefined;
        throw error;
      }
    },
    pendingApprovals: (now) => pendingApprovals(use().dynamo, now),
    status: () => liveStatus(loadMapFile(settings.mapFile()), {}),
  };
}

async function pendingApprovals(dynamo: DynamoDBDocumentClient, now: Date): Promise<PendingApproval[]> {
  const key = await requiredSecret('CROSSDEPLOY_LINK_SIGNING_KEY_PARAM');
  const records = await everyPending(dynamo, settings.approvalsTable());
  return (
    records
      // DynamoDB's TTL removes expired records eventually (locally never): their links no longer work.
      .filter((r) => r.expiresAt * 1000 > now.getTime())
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
      .map((r) => ({
        approvalId: r.approvalId,
        service: r.request.serviceName,
        environment: r.request.environment,
        commit: r.request.commit,
        author: r.request.author,
        subject: r.request.message.split('\n')[0] ?? '',
        requestedAt: r.createdAt,
        expiresAt: r.request.expiresAt,
        // The link request-approval e-mailed: same key, same expiry, so the same signature.
        link: signApprovalLink(settings.publicUrl(), r.approvalId, new Date(r.expiresAt * 1000), key),
        executionArn: r.executionArn,
      }))
  );
}
