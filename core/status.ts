// `crossdeploy status`: what runs where, and whether it is what crossdeploy deployed. Pure: aws/status.ts reads
// the ledger and the live services and hands both here, so every verdict is table-tested without AWS.

import { shortCommit } from './approval-message';
import type { DeploymentKind, DeployTarget } from './contracts';
import { currentRecord, type LedgerRecord, type LedgerResult, type RecordBase } from './ledger';
import { environmentsOf, serviceTargets } from './map/plan';
import type { DeploymentMap } from './map/schema';
import type { TemplateStackStatus } from './stacks/template-status';

/**
 * - `in-step`: the live PRIMARY revision is the one crossdeploy last deployed there.
 * - `deploying`: a deployment is under way and the service runs either side of it.
 * - `drift`: the service runs a revision crossdeploy did not put there (someone updated it by hand).
 * - `never-deployed`: the ledger has no successful deployment of this target.
 * - `service-not-found`, `role-not-assumable`, `error`: the target could not be read; `detail` says why.
 */
export type StatusState =
  | 'in-step'
  | 'deploying'
  | 'drift'
  | 'never-deployed'
  | 'service-not-found'
  | 'role-not-assumable'
  | 'error';

/** The newest deployment of a target when it is not the one that runs there (failed, rolled back, under way). */
export interface LastDeployment {
  deploymentId: string;
  kind: DeploymentKind;
  commit: string;
  result: LedgerResult;
  startedAt: string;
  endedAt: string | null;
  /** Why it failed or was rolled back, in the words of the check that saw it. */
  reason: string | null;
}

/**
 * One target of one service × environment. `--json` prints an array of these with exactly these keys, in this
 * order, every key always present (null when unknown); the local console reads the same shape.
 */
export interface StatusRow {
  /** The map's service name (`services.<name>`). */
  service: string;
  environment: string;
  account: string;
  region: string;
  /** The ECS service's cluster in the target; null for an application stack. */
  cluster: string | null;
  /** The ECS service name in the target; null for an application stack. */
  ecsService: string | null;
  /**
   * An application stack (`kind: stack`) in the target: its name, its status and the commit its tags say it runs
   * (null when it does not exist or could not be read). Null for an ECS service.
   */
  stack: { name: string; status: string | null; version: string | null } | null;
  state: StatusState;
  /** Full commit of the deployment that runs there according to the ledger; null when never deployed. */
  commit: string | null;
  /** `family:revision` that deployment put in service. */
  taskDefinition: string | null;
  /** `family:revision` of the live PRIMARY deployment; null when the service could not be read. */
  liveTaskDefinition: string | null;
  deploymentId: string | null;
  kind: DeploymentKind | null;
  /** When that deployment ended (ISO 8601). */
  since: string | null;
  /** Its approver; for a rollback, who asked for it; `push` when nobody had to let it through. */
  by: string | null;
  lastDeployment: LastDeployment | null;
  /**
   * The environment's own stack in this account and region (`crossdeploy env deploy`): its template version and
   * newer ones in the registry. Null when the ledger has no succeeded deployment of it there.
   */
  environmentStack: TemplateStackStatus | null;
  /**
   * The service's instance stack here (created from its template by its first deploy): its template version and
   * newer ones in the registry. Null when the ledger has no succeeded deployment of it there.
   */
  serviceStack: TemplateStackStatus | null;
  /** One line for a person: `in step`, or what is off and the evidence. */
  detail: string;
}

/** Where a status row is read: one target of one service × environment, as a deployment reaches it. */
export interface StatusTarget extends DeployTarget {
  /** The map's service name; `service` is the ECS service's. */
  serviceName: string;
  environment: string;
  /** `services/web-service v1.0` when the map gives the service a template: its first deploy creates it. */
  template?: string;
}

/** A read that failed, reduced to the error's name (`ServiceNotFound`, `RoleNotAssumable`, ...) and message. */
export interface ReadFailure {
  failure: { name: string; message: string };
}

/** The live service as DescribeServices answered: the PRIMARY deployment's task definition ARN. */
export type LiveRead = { taskDefinition: string | null } | ReadFailure;

/** One target's ledger records, newest first. */
export type LedgerRead = LedgerRecord[] | ReadFailure;

/** The environment's stack where the target is (core/stacks/template-status.ts), none, or why it is unknown. */
export type TemplateStackRead = TemplateStackStatus | null | ReadFailure;

export interface StatusFilter {
  service?: string;
  env?: string;
}

/** Why a filter selects nothing the map knows, or undefined when it is fine. */
export function filterProblem(map: DeploymentMap, filter: StatusFilter): string | undefined {
  const services = [...Object.keys(map.services), ...Object.keys(map.applications)];
  if (filter.service !== undefined && !services.includes(filter.service)) {
    return `service "${filter.service}" is not in the map (services: ${services.join(', ')})`;
  }
  if (filter.env !== undefined && !map.environments[filter.env]) {
    return `environment "${filter.env}" is not in the map (environments: ${Object.keys(map.environments).join(', ')})`;
  }
  if (
    filter.service !== undefined &&
    filter.env !== undefined &&
    !environmentsOf(map, filter.service).has(filter.env)
  ) {
    return `service "${filter.service}" does not deploy to environment "${filter.env}" (its branches deploy to: ${[...environmentsOf(map, filter.service)].join(', ')})`;
  }
  return undefined;
}

/** Every target of every (service, environment) the filter selects, in map order, as a deployment walks them. */
export function statusTargets(map: DeploymentMap, filter: StatusFilter): StatusTarget[] {
  const problem = filterProblem(map, filter);
  if (problem) throw new Error(problem);
  const all = filter.service === undefined ? Object.keys(map.services) : [filter.service];
  const services = all.filter((service) => map.services[service]);
  return services.flatMap((service) =>
    serviceTargets(map, service)
      .filter(({ environment }) => filter.env === undefined || environment === filter.env)
      .map(({ environment, target }) => {
        const template = map.services[service]?.template;
        return {
          ...target,
          serviceName: service,
          environment,
          ...(template ? { template: `services/${template.name} ${template.version}` } : {}),
        };
      }),
  );
}

/** `arn:aws:ecs:<region>:<account>:task-definition/web:3` (or `web:3`) → `web:3`. */
export function revisionOf(taskDefinition: string): string {
  return taskDefinition.slice(taskDefinition.lastIndexOf('/') + 1);
}

/**
 * The target's row. What runs is the ledger's current record (its newest succeeded deployment); the service is in
 * step when its PRIMARY revision is that record's. While a deployment is under way, the revision it replaces and
 * the one it brings are both expected.
 */
export function statusOf(
  target: StatusTarget,
  ledger: LedgerRead,
  live: LiveRead,
  /** Whether the execution of the newest record, when still in progress, has ended; undefined when unknown. */
  newestEnded?: boolean,
  environmentStack: TemplateStackRead = null,
  serviceStack: TemplateStackRead = null,
): StatusRow {
  const records = 'failure' in ledger ? [] : ledger;
  const current = currentRecord(records);
  const newest = records[0];
  const liveRevision = 'failure' in live || !live.taskDefinition ? null : revisionOf(live.taskDefinition);
  const deployed = current?.taskDefinitionArn ? revisionOf(current.taskDefinitionArn) : null;
  const unread = (what: string, stack: TemplateStackRead) =>
    stack !== null && 'failure' in stack ? `; ${what} unreadable: ${stack.failure.name}: ${stack.failure.message}` : '';
  const stackUnread = unread('environment stack', environmentStack) + unread('service stack', serviceStack);
  // Built key by key: this is the order `--json` prints.
  const row = (state: StatusState, detail: string): StatusRow => ({
    service: target.serviceName,
    environment: target.environment,
    account: target.account,
    region: target.region,
    cluster: target.cluster,
    ecsService: target.service,
    stack: null,
    state,
    commit: current?.commit ?? null,
    taskDefinition: deployed,
    liveTaskDefinition: liveRevision,
    deploymentId: current?.deploymentId ?? null,
    kind: current?.kind ?? null,
    since: current?.endedAt ?? null,
    by: current ? byOf(current) : null,
    lastDeployment: newest && newest !== current ? lastOf(newest) : null,
    environmentStack: environmentStack !== null && 'failure' in environmentStack ? null : environmentStack,
    serviceStack: serviceStack !== null && 'failure' in serviceStack ? null : serviceStack,
    detail: `${detail}${stackUnread}`,
  });

  // A service made from a template does not exist before its first deploy to the target, which creates it.
  if ('failure' in live && live.failure.name === 'ServiceNotFound' && target.template && records.length === 0) {
    return row('never-deployed', `not created yet: its first deploy creates it from ${target.template}`);
  }
  if ('failure' in live) return row(...failed(live.failure));
  if ('failure' in ledger) return row('error', `ledger unreadable: ${ledger.failure.name}: ${ledger.failure.message}`);
  const shown = liveRevision ?? 'no task definition';

  // An execution stopped or timed out outside crossdeploy's own paths leaves its record open: judge without it.
  const stale = newest?.result === 'in-progress' && newestEnded === true;
  const unclosed = stale ? `; deployment ${newest.deploymentId} ended without recording its result` : '';
  if (newest?.result === 'in-progress' && !stale) {
    const sides = [newest.previousTaskDefinitionArn, newest.taskDefinitionArn, current?.taskDefinitionArn];
    if (sides.some((arn) => arn && revisionOf(arn) === liveRevision)) {
      const doing = newest.kind === 'rollback' ? 'rolling back to' : 'deploying';
      return row('deploying', `${doing} ${shortCommit(newest.commit)} since ${newest.startedAt}; live ${shown}`);
    }
  }
  if (!current) return row('never-deployed', `never deployed by crossdeploy; live ${shown}${unclosed}`);
  if (liveRevision !== null && liveRevision === deployed) return row('in-step', `in step${unclosed}`);
  return row('drift', `drift: live ${shown}, but crossdeploy deployed ${deployed ?? 'another revision'}${unclosed}`);
}

/** A row that is neither in step nor deploying makes `crossdeploy status` exit 1. */
export function isInStep(row: Pick<StatusRow, 'state'>): boolean {
  return row.state === 'in-step' || row.state === 'deploying';
}

export function exitCodeOf(rows: readonly StatusRow[]): 0 | 1 {
  return rows.every(isInStep) ? 0 : 1;
}

const STATE_WORDS: Record<StatusState, string> = {
  'in-step': 'in step',
  deploying: 'deploying',
  drift: 'drift',
  'never-deployed': 'never deployed',
  'service-not-found': 'service not found',
  'role-not-assumable': 'role not assumable',
  error: 'error',
};

/** `4 targets: 2 in step, 1 drift, 1 never deployed`: every state that occurs, in STATE_WORDS order. */
export function summaryOf(rows: readonly StatusRow[]): string {
  const parts = (Object.keys(STATE_WORDS) as StatusState[]).flatMap((state) => {
    const count = rows.filter((row) => row.state === state).length;
    return count === 0 ? [] : [`${count} ${STATE_WORDS[state]}`];
  });
  return `${rows.length} target${rows.length === 1 ? '' : 's'}${parts.length > 0 ? `: ${parts.join(', ')}` : ''}`;
}

export function byOf(record: RecordBase): string {
  const who = record.kind === 'rollback' ? (record.requestedBy ?? record.approver) : record.approver;
  return who ?? 'push';
}

export function lastOf(record: RecordBase): LastDeployment {
  return {
    deploymentId: record.deploymentId,
    kind: record.kind,
    commit: record.commit,
    result: record.result,
    startedAt: record.startedAt,
    endedAt: record.endedAt,
    reason: record.rollbackReason,
  };
}

export function failed(failure: ReadFailure['failure']): [StatusState, string] {
  if (failure.name === 'ServiceNotFound') return ['service-not-found', failure.message];
  if (failure.name === 'RoleNotAssumable') return ['role-not-assumable', `role not assumable: ${failure.message}`];
  return ['error', `${failure.name}: ${failure.message}`];
}
