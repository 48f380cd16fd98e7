// What the target-account template (stacks/target-account.yaml) is given in every account of the OUs the map
// names, and the checks that catch, at `sst deploy`, a map those accounts would refuse at the first push.
// Pure: stacks/target-bootstrap.ts turns this into a StackSet, tests evaluate it.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DeployRole } from '../contracts';
import type { DeploymentMap } from '../map/schema';

/** The deploy role's inline policy in the template, which crossdeploy doctor reads and evaluates. */
export const DEPLOY_ROLE_POLICY_NAME = 'crossdeploy-deploy';

/** Relative to the app's root (the SST app and the CLI both read it from there). */
export const TARGET_ACCOUNT_TEMPLATE = 'stacks/target-account.yaml';

export function readTargetAccountTemplate(root: string): string {
  return readFileSync(join(root, TARGET_ACCOUNT_TEMPLATE), 'utf8');
}

/** The map's `bootstrap` key (not in core/map/schema.ts yet). */
export interface BootstrapSettings {
  /** Organizational units (`ou-...`) or the organization's root (`r-...`): every account in them, now and later. */
  organizationalUnits: string[];
  /** Where each account gets the stack; the deploy role (IAM is global) is created in the first. */
  regions: string[];
  /** The Organization allowed to assume the deploy role; defaults to the map's `ecr.principalOrgId`. */
  organizationId?: string;
  /** The deploy role may describe and update only ECS services whose names start with this. */
  serviceNamePrefix: string;
  /** ...in clusters whose names start with this; empty or absent: any cluster. */
  clusterNamePrefix?: string;
  /** The task roles a deploy may pass to ECS tasks, e.g. `arn:aws:iam::*:role/web-*`. */
  taskRoleArnPattern: string;
  /** The task execution roles a deploy may pass to ECS tasks; absent: the account's `ecsTaskExecutionRole`. */
  executionRoleArnPattern?: string;
  /**
   * The managed policies of the role CloudFormation creates crossdeploy's stacks as (environments, service
   * instances); empty or absent: the accounts take no stacks.
   */
  stackExecutionPolicyArns?: string[];
  /** Accounts deployed at once, per region (StackSet operation preference). */
  maxConcurrentPercentage?: number;
  /** Accounts that may fail, per region, before the StackSet operation stops there. */
  failureTolerancePercentage?: number;
  /**
   * `DELEGATED_ADMIN` when the tools account is a StackSets delegated administrator (the usual case);
   * `SELF` when it is the Organization's management account.
   */
  callAs?: 'SELF' | 'DELEGATED_ADMIN';
}

export const BOOTSTRAP_DEFAULTS = {
  maxConcurrentPercentage: 25,
  failureTolerancePercentage: 0,
  callAs: 'DELEGATED_ADMIN',
} as const;

/** The tools-account side of the trust: which roles, of which account, deliver events to which bus. */
export interface OrchestratorSide<BusArn = string> {
  account: string;
  deployRole: DeployRole;
  /** Names of the orchestrator roles that may assume the deploy role (see `orchestratorRoleNamePattern`). */
  roleNamePattern: string;
  eventBusArn: BusArn;
}

/**
 * Every parameter of the template, defaults included: Pulumi's StackSet resource reports drift for any
 * parameter it was not given.
 */
export function targetAccountParameters<BusArn>(
  settings: BootstrapSettings,
  organizationId: string,
  orchestrator: OrchestratorSide<BusArn>,
): Record<string, string | BusArn> {
  const [deployRoleRegion] = settings.regions;
  if (deployRoleRegion === undefined) throw new Error('bootstrap.regions: list at least one region');
  return {
    OrchestratorAccountId: orchestrator.account,
    OrganizationId: organizationId,
    OrchestratorRoleNamePattern: orchestrator.roleNamePattern,
    DeployRoleName: orchestrator.deployRole.name,
    DeployRoleRegion: deployRoleRegion,
    ExternalId: orchestrator.deployRole.externalId ?? '',
    ServiceNamePrefix: settings.serviceNamePrefix,
    ClusterNamePrefix: settings.clusterNamePrefix ?? '',
    TaskRoleArnPattern: settings.taskRoleArnPattern,
    ExecutionRoleArnPattern: settings.executionRoleArnPattern ?? '',
    StackExecutionPolicyArns: (settings.stackExecutionPolicyArns ?? []).join(','),
    OrchestratorEventBusArn: orchestrator.eventBusArn,
  };
}

const OU = /^(?:ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}|r-[a-z0-9]{4,32})$/;

/**
 * What would make the bootstrapped accounts refuse the map's deployments (a service outside the prefix, a
 * target region without the forwarding rule) or the StackSet refuse the settings. Template parameter
 * patterns are checked separately, against the template itself (`parameterProblems`).
 */
export function bootstrapProblems(
  settings: BootstrapSettings,
  map: Pick<DeploymentMap, 'services' | 'environments' | 'ecr'>,
): string[] {
  const problems: string[] = [];
  if (settings.organizationalUnits.length === 0) problems.push('bootstrap.organizationalUnits: list at least one OU');
  for (const ou of settings.organizationalUnits) {
    if (!OU.test(ou))
      problems.push(`bootstrap.organizationalUnits: "${ou}" is not an OU id (ou-...) or root id (r-...)`);
  }
  if (settings.regions.length === 0) problems.push('bootstrap.regions: list at least one region');
  if ((settings.organizationId ?? map.ecr.principalOrgId) === undefined) {
    problems.push('bootstrap.organizationId: required (or set ecr.principalOrgId)');
  }
  problems.push(...percentProblem('maxConcurrentPercentage', settings.maxConcurrentPercentage, 1));
  problems.push(...percentProblem('failureTolerancePercentage', settings.failureTolerancePercentage, 0));

  const clusterPrefix = settings.clusterNamePrefix ?? '';
  const regions = new Set(settings.regions);
  for (const [serviceName, service] of Object.entries(map.services)) {
    for (const [envName, env] of Object.entries(map.environments)) {
      if (!Object.values(service.branches).some((envs) => envs.includes(envName))) continue;
      for (const target of env.waves.flatMap((wave) => wave.targets)) {
        const where = `services.${serviceName} in environments.${envName} (account ${target.account})`;
        const ecsService = target.service ?? service.service;
        const cluster = target.cluster ?? service.cluster;
        if (!ecsService.startsWith(settings.serviceNamePrefix)) {
          problems.push(
            `${where}: ECS service "${ecsService}" does not start with bootstrap.serviceNamePrefix ` +
              `"${settings.serviceNamePrefix}"; the deploy role could not update it`,
          );
        }
        if (!cluster.startsWith(clusterPrefix)) {
          problems.push(
            `${where}: cluster "${cluster}" does not start with bootstrap.clusterNamePrefix "${clusterPrefix}"; ` +
              'the deploy role could not update its services',
          );
        }
        for (const region of target.regions.filter((r) => !regions.has(r))) {
          problems.push(
            `${where}: region ${region} is not in bootstrap.regions; its ECS and alarm events would not reach the orchestrator`,
          );
        }
      }
    }
  }
  return [...new Set(problems)];
}

function percentProblem(key: string, value: number | undefined, min: number): string[] {
  if (value === undefined || (Number.isInteger(value) && value >= min && value <= 100)) return [];
  return [`bootstrap.${key}: must be a whole number from ${min} to 100`];
}

/**
 * `crossdeploy-prod-*`: the names SST gives the roles of the app's functions in one stage. SST names a
 * function's role `<app>-<stage>-<Id>FunctionRole-<8 random>` within 64 characters, but shortens the app
 * name (then drops it) when the stage is long (prefixName in .sst/platform/src/components/naming.ts); a
 * pattern that missed one role would lock that step out of every target account, so that is an error here.
 */
export function orchestratorRoleNamePattern(app: string, stage: string, functionIds: readonly string[]): string {
  const prefix = `${app}-${stage}-`;
  const cut = functionIds.filter((id) => !sstRoleName(app, stage, `${id}Function`).startsWith(prefix));
  if (cut.length > 0) {
    throw new Error(
      `SST would name the roles of ${cut.join(', ')} without the prefix ${prefix} (stage "${stage}" is too ` +
        'long for role names of 64 characters): use a shorter stage name',
    );
  }
  return `${prefix}*`;
}

/** The role name SST gives `new sst.aws.Function(component)`, up to its random suffix. */
export function sstRoleName(app: string, stage: string, component: string): string {
  // physicalName(64, `${component}Role`): 9 characters are kept for "-" and the random suffix.
  const max = 64 - 9;
  const name = `${component}Role`.replace(/[^a-zA-Z0-9]/g, '');
  if (name.length + 1 >= max) return name.substring(0, max);
  if (name.length + stage.length + 2 >= max) return `${stage.substring(0, max - name.length - 1)}-${name}`;
  return `${app.substring(0, max - stage.length - name.length - 2)}-${stage}-${name}`;
}
