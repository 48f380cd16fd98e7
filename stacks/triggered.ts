// The functions no state machine invokes: what triggers each one (an HTTP route or a bus rule) and exactly
// what each one calls. Same shape as stacks/steps.ts, and held against the handlers' code by the same test.
// Pure (no Pulumi, no SST globals).
import { type RuleId, rulePattern } from '../aws/event-rules';
import { executionsArn, stateMachineArn, tableArn, topicArn } from './arns';
import {
  APPROVAL_TARGETS,
  approvalsTable,
  DEPLOYMENT_OBJECTS,
  eventBus,
  type FunctionSpec,
  readSecret,
  TASK_TOKEN_RESOURCES,
  waitsTable,
} from './steps';

export type { RuleId };

/** Which bus each rule of aws/event-rules.ts listens on: the stage's own, or the account's default one. */
export const RULE_BUS = {
  pushes: 'orchestrator',
  // CodeCommit puts its events on the default bus of the repository's account (the tools account).
  codecommitPushes: 'default',
  approvalDecisions: 'orchestrator',
  notifications: 'orchestrator',
  // The target accounts' forwarding rules (stacks/target-account.yaml) put these on the stage's own bus.
  forwardedTargetEvents: 'orchestrator',
  rolloutsEnded: 'orchestrator',
  alarmsRaised: 'orchestrator',
} as const satisfies Record<RuleId, 'orchestrator' | 'default'>;

export type Trigger =
  /** API Gateway HTTP API routes (`METHOD /path`), payload format 2.0. */
  | { kind: 'http'; routes: readonly string[] }
  /** EventBridge rules (aws/event-rules.ts) whose target is the function, invoked asynchronously. */
  | { kind: 'rule'; rules: readonly RuleId[] };

export interface TriggeredFunctionSpec extends FunctionSpec {
  trigger: Trigger;
}

export const TRIGGERED_FUNCTIONS = [
  {
    id: 'StartPipeline',
    file: 'start-pipeline',
    description: 'crossdeploy: start one pipeline execution per service a push deploys',
    trigger: { kind: 'rule', rules: ['pushes', 'codecommitPushes'] },
    grants: [
      { actions: ['states:StartExecution'], resources: (scope) => [stateMachineArn(scope, scope.names.pipeline)] },
      // A taken name: the execution's input says whether the same push started it or the commit runs again.
      { actions: ['states:DescribeExecution'], resources: (scope) => [executionsArn(scope, scope.names.pipeline)] },
    ],
    asDeployRole: [],
    environment: ['CROSSDEPLOY_PIPELINE_ARN', 'CROSSDEPLOY_MAP_FILE'],
  },
  {
    id: 'GithubWebhook',
    file: 'github-webhook',
    description: 'crossdeploy: verify a GitHub push webhook and put it on the bus',
    trigger: { kind: 'http', routes: ['POST /webhooks/github'] },
    grants: [
      {
        actions: ['dynamodb:PutItem', 'dynamodb:DeleteItem'],
        resources: (scope) => [tableArn(scope, scope.names.deliveriesTable)],
      },
      { actions: ['events:PutEvents'], resources: eventBus },
      readSecret('githubWebhookSecret'),
    ],
    asDeployRole: [],
    // The map only to say in the answer which services build from the repository.
    environment: [
      'CROSSDEPLOY_DELIVERIES_TABLE',
      'CROSSDEPLOY_EVENT_BUS_NAME',
      'CROSSDEPLOY_MAP_FILE',
      'CROSSDEPLOY_GITHUB_WEBHOOK_SECRET_PARAM',
    ],
  },
  {
    id: 'ApprovalPage',
    file: 'approval-page',
    description: 'crossdeploy: the page an approval link opens, and the decision its form posts',
    trigger: { kind: 'http', routes: ['GET /approvals/{id}', 'POST /approvals/{id}'] },
    grants: [
      { actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], resources: approvalsTable },
      { actions: ['events:PutEvents'], resources: eventBus },
      readSecret('linkSigningKey'),
      // A large environment's full list of targets (aws/approval-targets.ts).
      ...DEPLOYMENT_OBJECTS(['s3:GetObject'], APPROVAL_TARGETS),
    ],
    asDeployRole: [],
    environment: ['CROSSDEPLOY_APPROVALS_TABLE', 'CROSSDEPLOY_EVENT_BUS_NAME', 'CROSSDEPLOY_LINK_SIGNING_KEY_PARAM'],
  },
  {
    id: 'ResumeApproval',
    file: 'resume-approval',
    description: "crossdeploy: hand an approver's recorded decision to the waiting pipeline",
    trigger: { kind: 'rule', rules: ['approvalDecisions'] },
    grants: [
      { actions: ['dynamodb:GetItem'], resources: approvalsTable },
      { actions: ['states:SendTaskSuccess', 'states:SendTaskFailure'], resources: TASK_TOKEN_RESOURCES },
    ],
    asDeployRole: [],
    environment: ['CROSSDEPLOY_APPROVALS_TABLE'],
  },
  {
    id: 'ResumeTargetWait',
    file: 'resume-target-wait',
    description: "crossdeploy: end the deploy waits a target's forwarded ECS deployment or alarm event settles",
    trigger: { kind: 'rule', rules: ['rolloutsEnded', 'alarmsRaised'] },
    grants: [
      // The pending waits of the event's account and region (one partition), then the one it ends.
      { actions: ['dynamodb:Query', 'dynamodb:UpdateItem'], resources: waitsTable },
      { actions: ['states:SendTaskSuccess'], resources: TASK_TOKEN_RESOURCES },
    ],
    asDeployRole: [],
    environment: ['CROSSDEPLOY_WAITS_TABLE'],
  },
  {
    id: 'Notify',
    file: 'notify',
    description: "crossdeploy: tell the notifications topic and the chat webhook about deployments and targets' alerts",
    trigger: { kind: 'rule', rules: ['notifications', 'forwardedTargetEvents'] },
    grants: [
      {
        // The stage's notifications topic only, never the approval gates' topics.
        actions: ['sns:Publish'],
        resources: (scope) => [topicArn(scope, scope.names.notificationsTopic)],
      },
      {
        // Powertools idempotency (DynamoDBPersistenceLayer): what each channel already said, by event id.
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
        resources: (scope) => [tableArn(scope, scope.names.idempotencyTable)],
      },
      readSecret('chatWebhookUrl'),
    ],
    asDeployRole: [],
    // The chat webhook's URL is a secret (sst.Secret ChatWebhookUrl, in SSM); empty turns the chat off.
    environment: [
      'CROSSDEPLOY_NOTIFICATIONS_TOPIC_ARN',
      'CROSSDEPLOY_CHAT_WEBHOOK_URL_PARAM',
      'CROSSDEPLOY_IDEMPOTENCY_TABLE',
    ],
  },
] as const satisfies readonly TriggeredFunctionSpec[];

export type TriggeredFunction = (typeof TRIGGERED_FUNCTIONS)[number];
export type TriggeredFunctionId = TriggeredFunction['id'];

export interface HttpRoute {
  /** `POST /webhooks/github`, as `sst.aws.ApiGatewayV2.route` takes it. */
  route: string;
  function: TriggeredFunction;
}

/** Every route of the HTTP API and the function behind it. */
export function httpRoutes(): HttpRoute[] {
  return TRIGGERED_FUNCTIONS.flatMap((spec) =>
    spec.trigger.kind === 'http' ? spec.trigger.routes.map((route) => ({ route, function: spec })) : [],
  );
}

export interface EventRuleSpec {
  /** `pushes`, a key of RULES: Pulumi resources `PushesRule*`. */
  rule: RuleId;
  pattern: Record<string, unknown>;
  bus: 'orchestrator' | 'default';
  target: TriggeredFunction;
}

/** `codecommitPushes` → `codecommit-pushes`, the rule's name suffix (`crossdeploy-dev-codecommit-pushes`). */
export const ruleNameSuffix = (rule: RuleId): string => rule.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** Every rule of aws/event-rules.ts, with its pattern in this orchestrator account, its bus and its one function. */
export function eventRules(orchestratorAccount: string): EventRuleSpec[] {
  return TRIGGERED_FUNCTIONS.flatMap((spec) =>
    spec.trigger.kind === 'rule'
      ? spec.trigger.rules.map((rule) => ({
          rule,
          pattern: rulePattern(rule, orchestratorAccount),
          bus: RULE_BUS[rule],
          target: spec,
        }))
      : [],
  );
}

/**
 * How EventBridge retries delivering to a rule's function before it puts the event in the dead-letter queue.
 * Delivery is an asynchronous invoke, so this covers throttling and Lambda being unavailable, not the handler
 * failing (see FUNCTION_ASYNC_RETRY).
 */
export const RULE_TARGET_RETRY = { maximumRetryAttempts: 20, maximumEventAgeInSeconds: 3600 } as const;

/**
 * Lambda's own retries of an asynchronous invoke whose handler failed; then the event goes to the same
 * dead-letter queue (the function's on-failure destination), where an operator can read and redrive it.
 */
export const FUNCTION_ASYNC_RETRY = { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 3600 } as const;

/** 14 days, SQS's longest: enough for a redrive after a long weekend. */
export const DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 60 * 60;

/** What a rule-triggered function's role needs for its on-failure destination (not a call its code makes). */
export const failureDestinationPermission = (queueArn: string) => ({
  actions: ['sqs:SendMessage'],
  resources: [queueArn],
});

/** An HTTP function answers API Gateway (30 s at most) and GitHub (10 s); a rule target has more time. */
export const timeoutOf = (spec: Pick<TriggeredFunctionSpec, 'trigger'>): '10 seconds' | '30 seconds' =>
  spec.trigger.kind === 'http' ? '10 seconds' : '30 seconds';
