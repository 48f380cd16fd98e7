// What crossdeploy says about its own deployments: started, succeeded, failed, rolled back, or waiting for an
// approver. A notice goes on crossdeploy's bus as plain JSON, so every consumer reads the same facts and headline.

import { z } from 'zod';
import { shortCommit } from './approval-message';
import { deploymentKind } from './contracts';
import { failureInPlainWords, innermostFailure } from './failure';
import { DETAIL_TYPE } from './pipeline-types';

export const NOTICE_EVENTS = ['started', 'succeeded', 'failed', 'rolled-back', 'approval-waiting'] as const;
export type NoticeEvent = (typeof NOTICE_EVENTS)[number];

export const NOTICE_DETAIL_TYPE = {
  started: DETAIL_TYPE.deploymentStarted,
  succeeded: DETAIL_TYPE.deploymentSucceeded,
  failed: DETAIL_TYPE.deploymentFailed,
  'rolled-back': DETAIL_TYPE.deploymentRolledBack,
  'approval-waiting': DETAIL_TYPE.approvalWaiting,
} as const satisfies Record<NoticeEvent, string>;

export type NoticeDetailType = (typeof NOTICE_DETAIL_TYPE)[NoticeEvent];

export function noticeEventOf(detailType: string): NoticeEvent | undefined {
  return NOTICE_EVENTS.find((event) => NOTICE_DETAIL_TYPE[event] === detailType);
}

/** The detail of every notice on the bus; it crosses EventBridge, so it stays plain JSON. */
export const deploymentNotice = z.object({
  event: z.enum(NOTICE_EVENTS),
  pipelineId: z.string().min(1),
  executionArn: z.string().min(1),
  consoleLink: z.string().min(1),
  serviceName: z.string().min(1),
  environment: z.string().min(1),
  commit: z.string().min(1),
  kind: deploymentKind,
  /** The innermost error name: nested executions and Lambda wrappers peeled off. */
  error: z.string().nullable(),
  /** The innermost cause, as the step that failed wrote it. */
  cause: z.string().nullable(),
  /** `failureInPlainWords(error, cause)` when there is either; null otherwise. */
  reason: z.string().nullable(),
  /** One line saying what happened, for consumers of the bus that print or forward it as is. */
  headline: z.string().min(1),
  /** Set on `approval-waiting` only. Never the signed link: it decides the approval, so only approvers get it. */
  approval: z
    .object({ approvalId: z.string().min(1), topic: z.string().min(1), expiresAt: z.string().min(1) })
    .nullable(),
  at: z.string().min(1),
});
export type DeploymentNotice = z.infer<typeof deploymentNotice>;

/** What a notice is built from: its facts as they are, the failure as Step Functions reported it, and when. */
export type NoticeFacts = Pick<
  DeploymentNotice,
  'event' | 'pipelineId' | 'executionArn' | 'consoleLink' | 'serviceName' | 'environment' | 'commit' | 'kind'
> & {
  /** A Step Functions Catch output (or a Fail state's error and cause); null when nothing failed. */
  failure: { Error?: string; Cause?: string } | null;
  approval?: DeploymentNotice['approval'];
  at: Date;
};

export function buildNotice(facts: NoticeFacts): DeploymentNotice {
  const { error, cause } = innermostFailure(facts.failure?.Error, facts.failure?.Cause);
  const notice: Omit<DeploymentNotice, 'headline'> = {
    event: facts.event,
    pipelineId: facts.pipelineId,
    executionArn: facts.executionArn,
    consoleLink: facts.consoleLink,
    serviceName: facts.serviceName,
    environment: facts.environment,
    commit: facts.commit,
    kind: facts.kind,
    error,
    cause,
    reason: error === null && cause === null ? null : failureInPlainWords(error, cause),
    approval: facts.approval ?? null,
    at: facts.at.toISOString(),
  };
  return { ...notice, headline: headlineOf(notice) };
}

function headlineOf(n: Omit<DeploymentNotice, 'headline'>): string {
  const commit = shortCommit(n.commit);
  const { serviceName: service, environment: env } = n;
  if (n.kind === 'rollback') {
    const rollback = `rollback of ${service} in ${env} to ${commit}`;
    return {
      started: `Rolling back ${service} in ${env} to ${commit}`,
      succeeded: `Rolled back ${service} in ${env} to ${commit}`,
      failed: `The ${rollback} failed`,
      'rolled-back': `The ${rollback} was undone`,
      'approval-waiting': `The ${rollback} waits for approval`,
    }[n.event];
  }
  if (n.kind === 'provision') {
    // The commit of a provisioning is its template version's content hash.
    const provisioning = `provisioning of ${env} (templates ${commit})`;
    return {
      started: `Provisioning ${env} (templates ${commit})`,
      succeeded: `Provisioned ${env} (templates ${commit})`,
      failed: `The ${provisioning} failed`,
      'rolled-back': `The ${provisioning} was rolled back`,
      'approval-waiting': `The ${provisioning} waits for approval`,
    }[n.event];
  }
  return {
    started: `Deploying ${service} ${commit} to ${env}`,
    succeeded: `Deployed ${service} ${commit} to ${env}`,
    failed: `The deployment of ${service} ${commit} to ${env} failed`,
    'rolled-back': `The deployment of ${service} ${commit} to ${env} was rolled back`,
    'approval-waiting': `${service} ${commit} waits for approval to deploy to ${env}`,
  }[n.event];
}
