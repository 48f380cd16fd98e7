// `crossdeploy doctor`'s decisions: which targets the map deploys to, what each AWS answer means for one
// check, and the fix an operator can act on. Pure, like the rest of core/: aws/doctor-checks.ts asks AWS and
// hands the answers here, so every verdict and every fix is table-tested without AWS.

import { controllerFix, controllerProblem, DEPLOYABLE_CONTROLLER } from './deployment-controller';
import { type EcrContext, grantCommand, type PullAccess, pullAccess } from './ecr-policy';
import type { RoleKind } from './iam/pass-role';
import { DEPLOY_ROLE_POLICY_NAME } from './iam/target-account';
import { serviceTargets } from './map/plan';
import type { DeploymentMap } from './map/schema';
import { PLATFORM_OF, PLATFORMS, platformOfTask, type RuntimePlatformLike } from './platform';

/**
 * In the order they are reported for a target. service and alarms run as the deploy role, so they need it;
 * container and platform read the service's revision (or the map's template, then they need nothing); pass-role
 * holds the roles that revision names against the deploy role's own policy; ecr-pull reads the tools account
 * with the caller's own credentials and needs none of the others.
 */
export const CHECKS = ['deploy-role', 'service', 'container', 'platform', 'pass-role', 'alarms', 'ecr-pull'] as const;
export type CheckName = (typeof CHECKS)[number];
export type CheckResult = 'ok' | 'WARN' | 'FAIL' | 'skipped';

/** One check's verdict, before it is placed on a target. */
export interface Outcome {
  result: CheckResult;
  detail: string;
  fix?: string;
}

/** One ECS service of one environment, in one account and region, as a deployment would reach it. */
export interface DoctorTarget {
  /** The map's service name (`services.<name>`). */
  service: string;
  environment: string;
  account: string;
  region: string;
  cluster: string;
  ecsService: string;
  container: string;
  /** What the service's image is built for (`services.<name>.platforms`). */
  platforms: readonly string[];
  /** The target overrides the service's cluster / service name: the fix then points at the environment. */
  clusterOverridden: boolean;
  serviceOverridden: boolean;
  alarms: string[];
}

/** A printed row; `--json` prints these with exactly these keys, in this order. */
export interface DoctorRow {
  service: string;
  environment: string;
  account: string;
  region: string;
  cluster: string;
  ecsService: string;
  check: CheckName;
  result: CheckResult;
  detail: string;
  fix: string | null;
}

/** A failed AWS call, reduced to what a verdict needs. */
export interface CallFailure {
  /** `ecs:DescribeServices` */
  action: string;
  /** `AccessDenied: ...` */
  error: string;
  /** Throttling or a 5xx: worth running again, not worth changing anything. */
  transient: boolean;
  /** The caller has no AWS credentials at all. */
  noCredentials?: boolean;
}

/**
 * Every target of every environment the service's branches deploy to (or of every service), in map order:
 * the environments, waves, targets and regions a deployment would walk, as core/map/plan.ts expands them.
 */
export function doctorTargets(map: DeploymentMap, only?: string): DoctorTarget[] {
  const names = only === undefined ? Object.keys(map.services) : [only];
  return names.flatMap((name) => {
    const service = map.services[name];
    if (!service) throw new Error(`unknown service "${name}" (services: ${Object.keys(map.services).join(', ')})`);
    return serviceTargets(map, name).map(({ environment, target, entry }) => ({
      service: name,
      environment,
      account: target.account,
      region: target.region,
      cluster: target.cluster,
      ecsService: target.service,
      container: target.container,
      platforms: service.platforms,
      clusterOverridden: entry.cluster !== undefined,
      serviceOverridden: entry.service !== undefined,
      alarms: [...new Set(map.environments[environment]?.health.alarms)],
    }));
  });
}

export function toRow(target: DoctorTarget, check: CheckName, outcome: Outcome): DoctorRow {
  return {
    service: target.service,
    environment: target.environment,
    account: target.account,
    region: target.region,
    cluster: target.cluster,
    ecsService: target.ecsService,
    check,
    result: outcome.result,
    detail: outcome.detail,
    fix: outcome.fix ?? null,
  };
}

const where = (t: Pick<DoctorTarget, 'account' | 'region'>) => `${t.account}/${t.region}`;

export function skipped(reason: string): Outcome {
  return { result: 'skipped', detail: reason };
}

export const NEEDS_ROLE = 'needs the deploy role, which could not be assumed';
export const NEEDS_SERVICE = 'needs the service, which was not found';

// ---- 1. the deploy role ---------------------------------------------------------------------------------

export function roleOutcome(account: string, roleArn: string, failure?: CallFailure): Outcome {
  if (!failure) return { result: 'ok', detail: `assumed ${roleArn}` };
  const detail = `cannot assume ${roleArn}: ${failure.error}`;
  if (failure.noCredentials) return { result: 'FAIL', detail, fix: NO_CREDENTIALS_FIX };
  if (failure.transient) return { result: 'FAIL', detail, fix: TRANSIENT_FIX };
  return {
    result: 'FAIL',
    detail,
    fix:
      `bootstrap account ${account} with the target-account stack (crossdeploy bootstrap --print) and check its ` +
      'trust policy: it admits only tools-account roles named like its OrchestratorRoleNamePattern (crossdeploy-* ' +
      'by default) in the Organization, so run doctor as such a role, with the ExternalId the map sets, if any',
  };
}

const TRANSIENT_FIX = 'AWS throttled the call or failed to answer (transient): run crossdeploy doctor again';
const NO_CREDENTIALS_FIX =
  'give doctor AWS credentials of the tools account (AWS_PROFILE, or aws configure / aws sso login)';

/** A call made as the deploy role failed: the role lacks a permission (or AWS hiccupped). */
export function deployRoleCallFailed(target: DoctorTarget, failure: CallFailure): Outcome {
  const detail = `${failure.action} failed: ${failure.error}`;
  if (failure.transient) return { result: 'FAIL', detail, fix: TRANSIENT_FIX };
  return {
    result: 'FAIL',
    detail,
    fix:
      `the deploy role in account ${target.account} must allow ${failure.action}: deploy the current ` +
      'target-account stack there (crossdeploy bootstrap --print)',
  };
}

// ---- 2. cluster and service -----------------------------------------------------------------------------

/** What DescribeServices said about the target's service. */
export type ServiceLookup =
  | { kind: 'found'; status: string; taskDefinition?: string; deploymentController?: string }
  | { kind: 'no-cluster' }
  | { kind: 'missing'; reason: string };

export function serviceOutcome(target: DoctorTarget, lookup: ServiceLookup): Outcome {
  const { cluster, ecsService } = target;
  const clusterKey = target.clusterOverridden
    ? `the cluster of this target in environments.${target.environment}`
    : `services.${target.service}.cluster`;
  const serviceKey = target.serviceOverridden
    ? `the service of this target in environments.${target.environment}`
    : `services.${target.service}.service`;
  const createService = `create ECS service "${ecsService}" in cluster "${cluster}" (${where(target)}), or correct ${serviceKey}`;
  switch (lookup.kind) {
    case 'no-cluster':
      return {
        result: 'FAIL',
        detail: `cluster ${cluster} does not exist in ${where(target)}`,
        fix: `create ECS cluster "${cluster}" and its service "${ecsService}" in ${where(target)}, or correct ${clusterKey}`,
      };
    case 'missing':
      return {
        result: 'FAIL',
        detail: `service ${ecsService} is not in cluster ${cluster} (DescribeServices: ${lookup.reason})`,
        fix: createService,
      };
    case 'found':
      if (lookup.status === 'INACTIVE') {
        return {
          result: 'FAIL',
          detail: `service ${ecsService} in cluster ${cluster} is INACTIVE (deleted)`,
          fix: createService,
        };
      }
      if (lookup.status === 'DRAINING') {
        return {
          result: 'WARN',
          detail: `service ${ecsService} in cluster ${cluster} is DRAINING (being deleted)`,
          fix: createService,
        };
      }
      if ((lookup.deploymentController ?? DEPLOYABLE_CONTROLLER) !== DEPLOYABLE_CONTROLLER) {
        const controller = lookup.deploymentController as string;
        return {
          result: 'FAIL',
          detail: controllerProblem(controller, `${cluster}/${ecsService}`),
          fix: controllerFix(controller),
        };
      }
      return {
        result: 'ok',
        detail: `${cluster}/${ecsService} is ${lookup.status}, on ${lookup.taskDefinition ?? 'no task definition'}`,
      };
  }
}

// ---- 3. the container -----------------------------------------------------------------------------------

/**
 * Where a deploy finds the container: the map's task definition template when the service has one (the live
 * revision is then never read), else the revision the service runs now.
 */
export type ContainerSource =
  | { kind: 'template'; file: string; containers: string[] }
  | { kind: 'live'; taskDefinition: string; containers: string[] };

export function containerOutcome(target: DoctorTarget, source: ContainerSource): Outcome {
  const { container } = target;
  const named =
    source.kind === 'template'
      ? `the task definition template ${source.file}`
      : `task definition ${source.taskDefinition}`;
  const listed = source.containers.join(', ') || 'none';
  if (source.containers.includes(container)) {
    return { result: 'ok', detail: `${container} is in ${named} (containers: ${listed})` };
  }
  const addTo =
    source.kind === 'template' ? `to ${source.file}` : `to the task definition of service ${target.ecsService}`;
  const choose =
    source.containers.length > 0 ? `set services.${target.service}.container to one of ${listed}, or ` : '';
  return {
    result: 'FAIL',
    detail: `container "${container}" is not in ${named} (containers: ${listed})`,
    fix: `${choose}add a container named "${container}" ${addTo}`,
  };
}

/** The service runs no task definition (another deployment controller): crossdeploy has nothing to derive from. */
export function noTaskDefinition(target: DoctorTarget): Outcome {
  return {
    result: 'FAIL',
    detail: `service ${target.ecsService} has no task definition`,
    fix: `give service ${target.ecsService} a task definition (ECS deployment controller), or a taskDefinition template in the map`,
  };
}

// ---- 4. the platform ------------------------------------------------------------------------------------

/** Where a deploy finds the runtime platform: the map's template when there is one, else the live revision. */
export type PlatformSource =
  | { kind: 'template'; file: string; runtimePlatform?: RuntimePlatformLike }
  | { kind: 'live'; taskDefinition: string; runtimePlatform?: RuntimePlatformLike };

/**
 * Whether the image the service builds runs where its task definition runs. Without `runtimePlatform` ECS
 * runs tasks on X86_64 Linux
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html#runtime-platform);
 * an image without that platform fails every task, with `exec format error` or a pull error
 * (https://repost.aws/knowledge-center/ecs-task-exec-format-error), until the circuit breaker rolls it back.
 */
export function platformOutcome(target: DoctorTarget, source: PlatformSource): Outcome {
  const { cpuArchitecture, operatingSystemFamily, platform } = platformOfTask(source.runtimePlatform);
  const named =
    source.kind === 'template'
      ? `the task definition template ${source.file}`
      : `task definition ${source.taskDefinition}`;
  const declared = source.runtimePlatform?.cpuArchitecture === undefined ? ', as it names no cpuArchitecture' : '';
  const runsOn = `${named} runs on ${cpuArchitecture} ${operatingSystemFamily} (${platform})${declared}`;
  const builds = `services.${target.service}.platforms builds ${target.platforms.join(', ')}`;
  if (target.platforms.includes(platform)) return { result: 'ok', detail: `${runsOn}; ${builds}` };
  const change =
    source.kind === 'template'
      ? `set runtimePlatform in ${source.file} to`
      : `register a revision for service ${target.ecsService} whose runtimePlatform is`;
  const runnable = Object.entries(PLATFORM_OF)
    .filter(([, built]) => target.platforms.includes(built))
    .map(([architecture]) => `{ cpuArchitecture: ${architecture}, operatingSystemFamily: LINUX }`);
  const rebuild = (PLATFORMS as readonly string[]).includes(platform)
    ? `add ${platform} to services.${target.service}.platforms, or `
    : `crossdeploy builds Linux images only: `;
  return {
    result: 'FAIL',
    detail: `${runsOn}, but ${builds} only: every task of a deploy would fail to start`,
    fix: `${rebuild}${change} ${runnable.join(' or ')}`,
  };
}

// ---- 5. the roles a revision passes -----------------------------------------------------------------------

/** One role the revision names, and whether the deploy role's policy lets it pass the role to ECS tasks. */
export interface PassedRole {
  kind: RoleKind;
  arn: string;
  allowed: boolean;
}

const PATTERN: Record<RoleKind, { parameter: string; setting: string }> = {
  task: { parameter: 'TaskRoleArnPattern', setting: 'bootstrap.taskRoleArnPattern' },
  execution: { parameter: 'ExecutionRoleArnPattern', setting: 'bootstrap.executionRoleArnPattern' },
};

/** `source`: where the roles were read, e.g. `task definition arn:...:web:3`. */
export function passRoleOutcome(target: DoctorTarget, source: string, roles: readonly PassedRole[]): Outcome {
  if (roles.length === 0) return { result: 'ok', detail: `${source} names no task or execution role` };
  const refused = roles.filter((role) => !role.allowed);
  if (refused.length === 0) {
    return {
      result: 'ok',
      detail: `the deploy role may pass ${roles.map((role) => `${role.kind} role ${role.arn}`).join(' and ')} to ECS tasks`,
    };
  }
  return {
    result: 'FAIL',
    detail:
      `the deploy role may not pass ${refused.map((role) => `${role.kind} role ${role.arn}`).join(' or ')} ` +
      `(named by ${source}) to ECS tasks: RegisterTaskDefinition would be refused`,
    fix: refused
      .map(
        (role) =>
          `set ${PATTERN[role.kind].parameter} of the target-account stack in account ${target.account} to a ` +
          `pattern that matches ${role.arn} (${PATTERN[role.kind].setting} in the map, for the app's StackSet)`,
      )
      .join('; and '),
  };
}

/** The deploy role's policy could not be read: what a deploy may pass is unknown. */
export function passRolePolicyUnreadable(target: DoctorTarget, failure: CallFailure): Outcome {
  const detail = `cannot tell which roles the deploy role may pass: ${failure.action} failed: ${failure.error}`;
  if (failure.transient) return { result: 'WARN', detail, fix: TRANSIENT_FIX };
  if (failure.error.startsWith('NoSuchEntity')) {
    return {
      result: 'WARN',
      detail: `the deploy role has no policy named ${DEPLOY_ROLE_POLICY_NAME}: it was not made by the target-account stack`,
      fix:
        `make sure the deploy role in account ${target.account} may pass the service's task and execution roles ` +
        '(iam:PassRole, iam:PassedToService ecs-tasks.amazonaws.com), or deploy the target-account stack there',
    };
  }
  return {
    result: 'WARN',
    detail,
    fix:
      `deploy the current target-account stack in account ${target.account} (it lets the deploy role read its own ` +
      'policy), then run crossdeploy doctor again',
  };
}

// ---- 6. alarms ------------------------------------------------------------------------------------------

export function alarmsOutcome(target: DoctorTarget, found: ReadonlyArray<{ name: string; state?: string }>): Outcome {
  if (target.alarms.length === 0) {
    return { result: 'ok', detail: `environments.${target.environment}.health.alarms names no alarms` };
  }
  const missing = target.alarms.filter((name) => !found.some((alarm) => alarm.name === name));
  if (missing.length > 0) {
    return {
      result: 'FAIL',
      detail: `missing in ${where(target)}: ${missing.join(', ')}`,
      fix:
        `create the CloudWatch alarm${missing.length === 1 ? '' : 's'} ${missing.join(', ')} in ${where(target)}, ` +
        `or correct environments.${target.environment}.health.alarms`,
    };
  }
  // A bake fails on an alarm in ALARM: worth knowing now, but nothing is wrong with the setup.
  const firing = target.alarms.filter((name) => found.find((alarm) => alarm.name === name)?.state === 'ALARM');
  if (firing.length > 0) {
    return {
      result: 'WARN',
      detail: `in ALARM now: ${firing.join(', ')}`,
      fix: `a deploy's bake fails while ${firing.join(', ')} ${firing.length === 1 ? 'is' : 'are'} in ALARM: look at what set it off`,
    };
  }
  return { result: 'ok', detail: `${target.alarms.join(', ')} exist${target.alarms.length === 1 ? 's' : ''}` };
}

// ---- 7. ECR pull ----------------------------------------------------------------------------------------

/** The repository policy as GetRepositoryPolicy gave it: no policy at all is `text: undefined`. */
export type PolicyRead =
  | { kind: 'policy'; text: string | undefined }
  | { kind: 'no-repository' }
  | { kind: 'failed'; failure: CallFailure };

/** One outcome per account (in order); a grant missing everywhere gets one command that grants them all. */
export function ecrPullOutcomes(ctx: EcrContext, read: PolicyRead, accounts: readonly string[]): Outcome[] {
  const { repository, orchestrator } = ctx;
  const at = `${orchestrator.account}/${orchestrator.region}`;
  if (read.kind === 'no-repository') {
    const outcome: Outcome = {
      result: 'FAIL',
      detail: `ECR repository ${repository} does not exist in ${at}`,
      fix:
        `deploy the orchestrator (npx sst deploy), which creates the map's repositories, or create it: ` +
        `aws ecr create-repository --region ${orchestrator.region} --repository-name ${repository}`,
    };
    return accounts.map(() => outcome);
  }
  if (read.kind === 'failed') {
    const { failure } = read;
    const outcome: Outcome = {
      result: 'FAIL',
      detail: `${failure.action} failed: ${failure.error}`,
      fix: failure.noCredentials
        ? NO_CREDENTIALS_FIX
        : failure.transient
          ? TRANSIENT_FIX
          : `run doctor with credentials of the tools account ${orchestrator.account} that may call ${failure.action} on ${repository}`,
    };
    return accounts.map(() => outcome);
  }
  let access: PullAccess[];
  try {
    access = accounts.map((account) => pullAccess(read.text, account, ctx.principalOrgId));
  } catch (error) {
    const outcome: Outcome = {
      result: 'FAIL',
      detail: (error as Error).message,
      fix: `correct the policy: aws ecr get-repository-policy --region ${orchestrator.region} --repository-name ${repository}`,
    };
    return accounts.map(() => outcome);
  }
  const waiting = accounts.filter((_, index) => access[index] === 'not-yet');
  // Only when someone waits: a grant to no account is no policy at all (mergeRepositoryPolicy refuses it).
  const command = waiting.length > 0 ? grantCommand(ctx, read.text, waiting) : '';
  const grantee = (account: string) =>
    ctx.principalOrgId === undefined ? `account ${account}` : `organization ${ctx.principalOrgId} (${account})`;
  return accounts.map((account, index): Outcome => {
    switch (access[index]) {
      case 'granted':
        return { result: 'ok', detail: `the policy of ${repository} lets ${grantee(account)} pull` };
      case 'not-yet':
        return {
          result: 'WARN',
          detail:
            read.text === undefined
              ? `${repository} has no repository policy yet`
              : `the policy of ${repository} does not grant ${grantee(account)} pull yet`,
          fix: `the first deploy writes it; or run: ${command}`,
        };
      default:
        return {
          result: 'FAIL',
          detail: `the policy of ${repository} denies ${account} pull, whatever grant crossdeploy writes`,
          fix: `remove or narrow the Deny statement in the repository policy of ${repository} (${at}) that covers account ${account}`,
        };
    }
  });
}

// ---- the report -----------------------------------------------------------------------------------------

/** A fix, once, with every place it applies to (the same missing grant or unbootstrapped account recurs). */
export interface Fix {
  check: CheckName;
  result: 'WARN' | 'FAIL';
  fix: string;
  /** `web dev 222222222222/eu-west-1` */
  where: string[];
}

/** The fixes of FAIL rows, then of WARN rows, each in the order of its first row. */
export function fixesOf(rows: readonly DoctorRow[]): Fix[] {
  const fixes = new Map<string, Fix>();
  for (const result of ['FAIL', 'WARN'] as const) {
    for (const row of rows) {
      if (row.result !== result || row.fix === null) continue;
      const key = JSON.stringify([row.check, result, row.fix]);
      const fix = fixes.get(key) ?? { check: row.check, result, fix: row.fix, where: [] };
      fix.where.push(`${row.service} ${row.environment} ${row.account}/${row.region}`);
      fixes.set(key, fix);
    }
  }
  return [...fixes.values()];
}

export function exitCodeOf(rows: readonly DoctorRow[]): 0 | 1 {
  return rows.some((row) => row.result === 'FAIL') ? 1 : 0;
}

/** `15 checks: 12 ok, 1 WARN, 1 FAIL, 1 skipped` */
export function summaryOf(rows: readonly DoctorRow[]): string {
  const count = (result: CheckResult) => rows.filter((row) => row.result === result).length;
  const parts = (['ok', 'WARN', 'FAIL', 'skipped'] as const).map((result) => `${count(result)} ${result}`);
  return `${rows.length} check${rows.length === 1 ? '' : 's'}: ${parts.join(', ')}`;
}
