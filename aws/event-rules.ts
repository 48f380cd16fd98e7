import { DETAIL_TYPE, EVENT_SOURCE } from '../core/pipeline-types';

// The event patterns of the bus's rules, the single source for the SST app and the local runtime.
export const RULES = {
  /** crossdeploy's own Push events (GitHub webhook, `crossdeploy push`) → start-pipeline. */
  pushes: { source: [EVENT_SOURCE], 'detail-type': [DETAIL_TYPE.push] },
  /** CodeCommit's native events, on the account's default bus: branch created or updated → start-pipeline. */
  codecommitPushes: {
    source: ['aws.codecommit'],
    'detail-type': ['CodeCommit Repository State Change'],
    detail: { event: ['referenceCreated', 'referenceUpdated'], referenceType: ['branch'] },
  },
  /** An approver's decision → resume-approval. */
  approvalDecisions: { source: [EVENT_SOURCE], 'detail-type': [DETAIL_TYPE.approvalDecision] },
  /** crossdeploy's deployment notices → notify (SNS topic, chat webhook). */
  notifications: {
    source: [EVENT_SOURCE],
    'detail-type': [
      DETAIL_TYPE.deploymentStarted,
      DETAIL_TYPE.deploymentSucceeded,
      DETAIL_TYPE.deploymentFailed,
      DETAIL_TYPE.deploymentRolledBack,
      DETAIL_TYPE.approvalWaiting,
    ],
  },
  /**
   * What target accounts forward to the bus (`stacks/target-account.yaml`) → notify. Routine states (a rollout
   * in progress, an alarm back to OK) match too: notify drops them, so the pattern stays the forwarder's own.
   */
  forwardedTargetEvents: {
    source: ['aws.ecs', 'aws.cloudwatch'],
    'detail-type': ['ECS Deployment State Change', 'CloudWatch Alarm State Change'],
  },
  /**
   * A forwarded ECS deployment that ended → resume-target-wait. Only the two endings: an IN_PROGRESS event
   * would only cost an invocation (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_service_deployment_events.html).
   */
  rolloutsEnded: {
    source: ['aws.ecs'],
    'detail-type': ['ECS Deployment State Change'],
    detail: { eventName: ['SERVICE_DEPLOYMENT_COMPLETED', 'SERVICE_DEPLOYMENT_FAILED'] },
  },
  /** A forwarded alarm that went to ALARM → resume-target-wait, which ends the bakes watching it. */
  alarmsRaised: {
    source: ['aws.cloudwatch'],
    'detail-type': ['CloudWatch Alarm State Change'],
    detail: { state: { value: ['ALARM'] } },
  },
};

export type RuleId = keyof typeof RULES;

/**
 * crossdeploy's own events, and CodeCommit's, come from the orchestrator account only. The bus also admits the
 * Organization's accounts (for the events target accounts forward), so these rules say whose events they take:
 * another account of the Organization must not start a pipeline, decide an approval or post a notice.
 */
const ORCHESTRATOR_ONLY: ReadonlySet<RuleId> = new Set([
  'pushes',
  'codecommitPushes',
  'approvalDecisions',
  'notifications',
]);

/** A rule's event pattern in one orchestrator account. */
export function rulePattern(rule: RuleId, orchestratorAccount: string): Record<string, unknown> {
  return ORCHESTRATOR_ONLY.has(rule) ? { ...RULES[rule], account: [orchestratorAccount] } : RULES[rule];
}
