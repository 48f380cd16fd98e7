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
};
