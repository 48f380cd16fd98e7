// The stage's EventBridge bus, and the rules of aws/event-rules.ts that hand events to start-pipeline,
// resume-approval and notify, each with a dead-letter queue and a retry policy.
import { stageName } from './config';
import type { TriggeredFunctions } from './functions';
import type { OrchestratorNames } from './names';
import { deadLetterQueuePolicy, eventBusPolicy } from './policies';
import {
  DEAD_LETTER_RETENTION_SECONDS,
  eventRules,
  RULE_TARGET_RETRY,
  ruleNameSuffix,
  TRIGGERED_FUNCTIONS,
  type TriggeredFunctionId,
} from './triggered';

export function createEventBus(names: OrchestratorNames): aws.cloudwatch.EventBus {
  return new aws.cloudwatch.EventBus('Bus', { name: names.eventBus });
}

/**
 * Lets the accounts of the Organization put events on the bus: the target accounts' forwarding rules
 * (stacks/target-account.yaml) send their ECS deployment and CloudWatch alarm state changes there. Without an
 * Organization in the map there is no policy, and those events are refused.
 */
export function createEventBusPolicy(
  bus: aws.cloudwatch.EventBus,
  organizationId: string | undefined,
): aws.cloudwatch.EventBusPolicy | undefined {
  if (organizationId === undefined) return undefined;
  return new aws.cloudwatch.EventBusPolicy('BusPolicy', {
    eventBusName: bus.name,
    policy: bus.arn.apply((arn) => eventBusPolicy(arn, organizationId)),
  });
}

export type DeadLetterQueues = Partial<Record<TriggeredFunctionId, aws.sqs.Queue>>;

/**
 * One queue per rule-triggered function: what EventBridge could not deliver to it, and what it failed on
 * after Lambda's retries (its on-failure destination), wait there for an operator.
 */
export function createDeadLetterQueues(): DeadLetterQueues {
  const queues: DeadLetterQueues = {};
  for (const spec of TRIGGERED_FUNCTIONS) {
    if (spec.trigger.kind !== 'rule') continue;
    queues[spec.id] = new aws.sqs.Queue(`${spec.id}DeadLetters`, {
      name: stageName($app.name, $app.stage, `${spec.file}-dead-letters`, 80),
      messageRetentionSeconds: DEAD_LETTER_RETENTION_SECONDS,
      sqsManagedSseEnabled: true,
    });
  }
  return queues;
}

export function createEventRules(
  orchestratorAccount: string,
  bus: aws.cloudwatch.EventBus,
  functions: TriggeredFunctions,
  queues: DeadLetterQueues,
): Record<string, aws.cloudwatch.EventRule> {
  const rules: Record<string, aws.cloudwatch.EventRule> = {};
  const rulesOf: Partial<Record<TriggeredFunctionId, $util.Output<string>[]>> = {};
  for (const spec of eventRules(orchestratorAccount)) {
    const id = spec.rule.charAt(0).toUpperCase() + spec.rule.slice(1);
    const fn = functions[spec.target.id];
    const queue = queues[spec.target.id];
    if (!queue) throw new Error(`${spec.target.id} is a rule target without a dead-letter queue`);
    const busName = spec.bus === 'default' ? 'default' : bus.name;

    const rule = new aws.cloudwatch.EventRule(`${id}Rule`, {
      name: stageName($app.name, $app.stage, ruleNameSuffix(spec.rule), 64),
      description: `crossdeploy: ${spec.rule} → ${spec.target.file}`,
      eventBusName: busName,
      eventPattern: JSON.stringify(spec.pattern),
    });
    const permission = new aws.lambda.Permission(`${id}RuleInvoke`, {
      action: 'lambda:InvokeFunction',
      function: fn.name,
      principal: 'events.amazonaws.com',
      sourceArn: rule.arn,
    });
    new aws.cloudwatch.EventTarget(
      `${id}RuleTarget`,
      {
        rule: rule.name,
        eventBusName: busName,
        arn: fn.arn,
        retryPolicy: { ...RULE_TARGET_RETRY },
        deadLetterConfig: { arn: queue.arn },
      },
      { dependsOn: [permission] },
    );
    rules[spec.rule] = rule;
    const list = rulesOf[spec.target.id] ?? [];
    list.push(rule.arn);
    rulesOf[spec.target.id] = list;
  }

  for (const [target, ruleArns] of Object.entries(rulesOf) as [TriggeredFunctionId, $util.Output<string>[]][]) {
    const queue = queues[target];
    if (!queue) continue;
    new aws.sqs.QueuePolicy(`${target}DeadLettersPolicy`, {
      queueUrl: queue.url,
      policy: $resolve({ queue: queue.arn, rules: $util.all(ruleArns) }).apply(({ queue, rules }) =>
        deadLetterQueuePolicy(queue, rules),
      ),
    });
  }
  return rules;
}
