// The target events' side of the local orchestrator: the waits table, and the bus's two rules for forwarded ECS
// deployment and alarm events, into a queue read by resume-target-wait (moto cannot invoke Lambda). With the
// target accounts' forwarding rules (local/seed.ts), the whole event path of AWS runs offline.

import { CreateTableCommand, DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { rulePattern } from '../aws/event-rules';
import { settings } from '../aws/settings';
import { waitsTable } from '../aws/tables';
import { handler as resumeTargetWait } from '../functions/resume-target-wait';
import { EndpointWatch } from './endpoint-watch';
import { createBus, ruleQueue, ruleTo } from './orchestrator';
import { asRuleTarget, consumeQueue } from './queue-consumer';

const RULES = ['rolloutsEnded', 'alarmsRaised'] as const;

/** Creates the waits table, the bus and its rules for the waits; returns the queue the rules deliver to. */
export async function provisionTargetWaits(orchestrator: { account: string; region: string }): Promise<string> {
  const { region } = orchestrator;
  const dynamo = new DynamoDBClient({ region });
  const events = new EventBridgeClient({ region });
  const sqs = new SQSClient({ region, useQueueUrlAsEndpoint: false });
  try {
    await dynamo.send(new CreateTableCommand(waitsTable(settings.waitsTable()))).catch((error: unknown) => {
      if (!(error instanceof ResourceInUseException)) throw error;
    });
    const queue = await ruleQueue(sqs, 'crossdeploy-target-waits');
    const bus = await createBus(events);
    for (const rule of RULES) {
      await ruleTo(events, `crossdeploy-${rule}`, rulePattern(rule, orchestrator.account), queue.arn, bus);
    }
    return queue.url;
  } finally {
    for (const client of [dynamo, events, sqs]) client.destroy();
  }
}

/** The waits' side of the orchestrator, provisioned and read: for a runtime without the whole local stack. */
export async function startTargetWaits(orchestrator: { account: string; region: string }, endpoint: string) {
  const queue = await provisionTargetWaits(orchestrator);
  const watch = new EndpointWatch({ endpoint, out: () => {} });
  return consumeTargetWaits(queue, (error) => console.error(`resume-target-wait: ${error.message}`), watch);
}

/** Hands each event on the queue to resume-target-wait, as the rules' Lambda target is invoked in AWS. */
export function consumeTargetWaits(queueUrl: string, report: (error: Error) => void, watch: EndpointWatch) {
  return consumeQueue(queueUrl, asRuleTarget(resumeTargetWait, 'ResumeTargetWait'), report, { watch });
}
