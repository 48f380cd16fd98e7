import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { settings } from '../aws/settings';
import { loadMapFile } from '../core/map/load';
import type { Decision } from '../core/pipeline-types';
import { decideApproval } from '../functions/approval-page/decision';
import type { CliIo } from './io';
import { useLocalEndpoint } from './local-endpoint';

/**
 * `crossdeploy approve <id>` / `crossdeploy reject <id>`: the approval page's decision, for approvers at a
 * terminal. Their AWS credentials stand in for the signed link: the same single-use record, the same event.
 */
export function decideCommand(decision: Decision) {
  return async (args: string[], io: CliIo): Promise<number> => {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        map: { type: 'string', default: 'crossdeploy.yaml' },
        approver: { type: 'string' },
        comment: { type: 'string', default: '' },
      },
    });
    const [approvalId] = positionals;
    const approver = values.approver ?? process.env.USER;
    if (!approvalId || positionals.length > 1 || !approver) {
      io.err(`usage: crossdeploy ${decision} <approval-id> [--approver NAME] [--comment TEXT] [--map FILE]`);
      return 2;
    }
    const map = loadMapFile(resolve(io.cwd, values.map ?? 'crossdeploy.yaml'));
    await useLocalEndpoint(io.cwd, map);
    const region = map.orchestrator.region;
    const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({ region }));
    const events = new EventBridgeClient({ region });
    const result = await decideApproval(
      { dynamo, events },
      { table: settings.approvalsTable(), bus: settings.eventBusName() },
      { approvalId, decision, approver, comment: values.comment ?? '', decidedAt: new Date().toISOString() },
    );
    switch (result.outcome) {
      case 'decided':
        io.out(
          `${decision === 'approve' ? 'approved' : 'rejected'} ${approvalId} as ${approver}; the pipeline resumes`,
        );
        return 0;
      case 'not-found':
        io.err(`crossdeploy ${decision}: no approval ${approvalId}`);
        return 1;
      case 'closed':
        io.err(
          `crossdeploy ${decision}: approval ${approvalId} is already ${result.record.status}${result.record.decidedBy ? ` by ${result.record.decidedBy}` : ''}`,
        );
        return 1;
      case 'unpublished':
        io.err(`crossdeploy ${decision}: the decision could not be published; nothing changed, try again`);
        return 1;
    }
  };
}
