// `crossdeploy status` for application stacks (`kind: stack`): the stack in each target runs the commit crossdeploy
// last deployed there when its tags say so. Pure: aws/status.ts reads the ledger and the live stack.

import { shortCommit } from '../approval-message';
import type { StackLedgerRecord } from '../ledger';
import { environmentsOf } from '../map/plan';
import type { DeploymentMap } from '../map/schema';
import {
  byOf,
  failed,
  lastOf,
  type ReadFailure,
  type StatusFilter,
  type StatusRow,
  type StatusState,
  type TemplateStackRead,
} from '../status';
import { applicationStackName } from './names';
import { currentStackRecord } from './template-status';

/** Where an application stack's row is read: its stack in one account and region of one environment. */
export interface ApplicationStatusTarget {
  serviceName: string;
  environment: string;
  account: string;
  region: string;
  stackName: string;
}

/** The live stack as DescribeStacks answered: its status and the commit its tags name; null when there is none. */
export type StackLiveRead = { status: string; version: string | null } | null | ReadFailure;

/** Every target of every application stack × environment the filter selects, in map order. */
export function applicationStatusTargets(map: DeploymentMap, filter: StatusFilter): ApplicationStatusTarget[] {
  const names = filter.service === undefined ? Object.keys(map.applications) : [filter.service];
  return names
    .filter((name) => map.applications[name])
    .flatMap((serviceName) => {
      const deploysTo = environmentsOf(map, serviceName);
      return Object.entries(map.environments)
        .filter(([environment]) => deploysTo.has(environment) && (filter.env ?? environment) === environment)
        .flatMap(([environment, env]) =>
          env.waves.flatMap((wave) =>
            wave.targets.flatMap((target) =>
              target.regions.map((region) => ({
                serviceName,
                environment,
                account: target.account,
                region,
                stackName: applicationStackName(serviceName, environment),
              })),
            ),
          ),
        );
    });
}

/**
 * The target's row. What runs is the ledger's newest succeeded deployment of the stack; the stack is in step when
 * its tags name that deployment's commit. While a deployment is under way, the commit it replaces and the one it
 * brings are both expected.
 */
export function applicationStatusOf(
  target: ApplicationStatusTarget,
  ledger: StackLedgerRecord[] | ReadFailure,
  live: StackLiveRead,
  /** Whether the execution of the newest record, when still in progress, has ended; undefined when unknown. */
  newestEnded?: boolean,
  environmentStack: TemplateStackRead = null,
): StatusRow {
  const records = 'failure' in ledger ? [] : ledger;
  const current = currentStackRecord(records);
  const newest = records[0];
  const stack = live === null || 'failure' in live ? null : live;
  const liveVersion = stack?.version ?? null;
  const environmentUnread =
    environmentStack !== null && 'failure' in environmentStack
      ? `; environment stack unreadable: ${environmentStack.failure.name}: ${environmentStack.failure.message}`
      : '';
  // Built key by key, in StatusRow's order: this is the order `--json` prints.
  const row = (state: StatusState, detail: string): StatusRow => ({
    service: target.serviceName,
    environment: target.environment,
    account: target.account,
    region: target.region,
    cluster: null,
    ecsService: null,
    stack: { name: target.stackName, status: stack?.status ?? null, version: liveVersion },
    state,
    commit: current?.commit ?? null,
    taskDefinition: null,
    liveTaskDefinition: null,
    deploymentId: current?.deploymentId ?? null,
    kind: current?.kind ?? null,
    since: current?.endedAt ?? null,
    by: current ? byOf(current) : null,
    lastDeployment: newest && newest !== current ? lastOf(newest) : null,
    environmentStack: environmentStack !== null && 'failure' in environmentStack ? null : environmentStack,
    serviceStack: null,
    detail: `${detail}${environmentUnread}`,
  });

  if (live !== null && 'failure' in live) return row(...failed(live.failure));
  if ('failure' in ledger) return row('error', `ledger unreadable: ${ledger.failure.name}: ${ledger.failure.message}`);
  const shown = stack ? `${liveVersion ? shortCommit(liveVersion) : 'untagged'} (${stack.status})` : 'no stack';

  const stale = newest?.result === 'in-progress' && newestEnded === true;
  const unclosed = stale ? `; deployment ${newest.deploymentId} ended without recording its result` : '';
  if (newest?.result === 'in-progress' && !stale) {
    const sides = [newest.previousVersion, newest.version, current?.version];
    if (!stack || sides.includes(liveVersion)) {
      const doing = newest.kind === 'rollback' ? 'rolling back to' : 'deploying';
      return row('deploying', `${doing} ${shortCommit(newest.commit)} since ${newest.startedAt}; live ${shown}`);
    }
  }
  if (!current) {
    const detail = stack
      ? `never deployed by crossdeploy; live ${shown}`
      : `not created yet: its first push creates ${target.stackName}`;
    return row('never-deployed', `${detail}${unclosed}`);
  }
  if (stack && liveVersion === current.version) return row('in-step', `in step${unclosed}`);
  return row('drift', `drift: live ${shown}, but crossdeploy deployed ${shortCommit(current.version)}${unclosed}`);
}
