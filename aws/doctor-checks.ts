// What `crossdeploy doctor` asks AWS: for each target (an ECS service's or an application stack's), the calls a
// deployment would make there, as the deploy role; once per repository, its policy in the tools account. Verdicts
// and fixes are in core/doctor/.

import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECRClient, GetRepositoryPolicyCommand } from '@aws-sdk/client-ecr';
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs';
import { GetRolePolicyCommand, IAMClient } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import { controllerOf } from '../core/deployment-controller';
import {
  alarmsOutcome,
  applicationAlarmsOutcome,
  applicationEnvironmentStackOutcome,
  applicationStackOutcome,
  awaitingInstance,
  type CallFailure,
  type CheckName,
  containerOutcome,
  type DoctorFilter,
  type DoctorRow,
  type DoctorTarget,
  deployRoleCallFailed,
  doctorTargets,
  ecrPullOutcomes,
  environmentStackOutcome,
  liveContainers,
  livePlatform,
  NEEDS_ROLE,
  NEEDS_SERVICE,
  noTaskDefinition,
  type Outcome,
  type PolicyRead,
  passRoleOutcome,
  passRolePolicyUnreadable,
  pendingAlarmsOutcome,
  pendingInstance,
  pendingServiceOutcome,
  platformOutcome,
  type Revision,
  roleOutcome,
  type ServiceInstanceRef,
  type ServiceLookup,
  type StackDoctorTarget,
  type StackRead,
  serviceOutcome,
  skipped,
  stackDoctorTargets,
  type TargetPlace,
  type TemplateRead,
  templateOutcome,
  templateRoles,
  templateSources,
  toRow,
} from '../core/doctor';
import type { EcrContext } from '../core/ecr-policy';
import { TemplateVersionNotPublished, TransientAwsError } from '../core/errors';
import { mayPassToEcsTasks, roleArnOf } from '../core/iam/pass-role';
import { DEPLOY_ROLE_POLICY_NAME } from '../core/iam/target-account';
import type { DeploymentMap } from '../core/map/schema';
import { memo } from '../core/memo';
import { mapBounded } from './bounded';
import { deployRoleArn } from './deploy-role';
import type { DocumentClient } from './lease';
import { settings } from './settings';
import { readTemplateVersion } from './template-registry';
import { isTransient } from './transient';

/** Targets checked at once: enough to finish a large map quickly, few enough not to be throttled. */
export const DEFAULT_CONCURRENCY = 8;
/** DescribeAlarms takes at most 100 names per call. */
const ALARM_NAMES_PER_CALL = 100;

export interface TargetAwsClients {
  ecs: { send: ECSClient['send'] };
  cloudwatch: { send: CloudWatchClient['send'] };
  iam: { send: IAMClient['send'] };
  cloudformation: { send: CloudFormationClient['send'] };
  destroy(): void;
}

/**
 * Everything doctor calls as the deploy role (stacks/target-account.yaml grants it, with what the steps call;
 * test/stacks/target-account.test.ts holds them together). Most of it the steps call too; iam:GetRolePolicy only
 * doctor does.
 */
export const DOCTOR_AS_DEPLOY_ROLE = [
  'ecs:DescribeServices',
  'ecs:DescribeTaskDefinition',
  'cloudwatch:DescribeAlarms',
  'iam:GetRolePolicy',
  'cloudformation:DescribeStacks',
] as const;

export interface DoctorClients {
  /** Assumes the deploy role, with the caller's credentials. */
  sts: { send: STSClient['send'] };
  /** Reads repository policies in the tools account, with the caller's credentials. */
  ecr: { send: ECRClient['send'] };
  /** Reads the template registry in the tools account, with the caller's credentials. */
  templates: { db: DocumentClient; table: string };
  /** ECS, CloudWatch, IAM and CloudFormation of one target region, as the deploy role; destroyed once that target is checked. */
  inTarget(region: string, credentials: AwsCredentialIdentity): TargetAwsClients;
  destroy(): void;
}

/** SDK clients from the environment: the caller's credentials, and AWS_ENDPOINT_URL when one is set. */
export function doctorClients(orchestratorRegion: string): DoctorClients {
  const sts = new STSClient({ region: orchestratorRegion });
  const ecr = new ECRClient({ region: orchestratorRegion });
  // The registry lives in the orchestrator's region, whatever region the caller's profile names.
  const dynamo = new DynamoDBClient({ region: orchestratorRegion });
  return {
    sts,
    ecr,
    templates: { db: DynamoDBDocumentClient.from(dynamo), table: settings.templatesTable() },
    inTarget(region, credentials) {
      const ecs = new ECSClient({ region, credentials });
      const cloudwatch = new CloudWatchClient({ region, credentials });
      const iam = new IAMClient({ region, credentials });
      const cloudformation = new CloudFormationClient({ region, credentials });
      return {
        ecs,
        cloudwatch,
        iam,
        cloudformation,
        destroy: () => {
          ecs.destroy();
          cloudwatch.destroy();
          iam.destroy();
          cloudformation.destroy();
        },
      };
    },
    destroy: () => {
      sts.destroy();
      ecr.destroy();
      dynamo.destroy();
    },
  };
}

/** `service` and `env` keep to one service (of either kind) or one environment of the map. */
export interface DoctorOptions extends DoctorFilter {
  /** Defaults to doctorClients(map.orchestrator.region), destroyed at the end. */
  clients?: DoctorClients;
  concurrency?: number;
  /** Called as each target's checks end (for progress on a long run). */
  onTargetDone?: (done: number, total: number, target: TargetPlace) => void;
}

type RoleAnswer = { credentials: AwsCredentialIdentity } | { failure: CallFailure };

/**
 * Every check of every target, in map order and CHECKS order per target, whatever order they finished in: the ECS
 * services' targets, then the application stacks'.
 */
export async function runDoctor(map: DeploymentMap, options: DoctorOptions = {}): Promise<DoctorRow[]> {
  const targets = doctorTargets(map, options);
  const stacks = stackDoctorTargets(map, options);
  const all: Array<DoctorTarget | StackDoctorTarget> = [...targets, ...stacks];
  const clients = options.clients ?? doctorClients(map.orchestrator.region);
  try {
    // One AssumeRole per account and one policy read per repository, however many targets share them.
    const roles = memo((account: string) => assumeRole(clients.sts, map, account));
    // IAM is global: one read of the deploy role's policy per account, by the first of its targets.
    const rolePolicies = new Map<string, Promise<RolePolicyRead>>();
    const rolePolicyOf = (account: string, aws: TargetAwsClients) => {
      let read = rolePolicies.get(account);
      if (!read) {
        read = readRolePolicy(aws, map.deployRole.name);
        rolePolicies.set(account, read);
      }
      return read;
    };
    const policies = memo((repository: string) => readPolicy(clients.ecr, ecrContext(map, repository)));
    // One registry read per template version, however many targets and environments create from it.
    const versions = memo((nameAndVersion: [string, string]) => readVersion(clients.templates, nameAndVersion));
    const versionOf = (instance: ServiceInstanceRef) => versions([instance.name, instance.version]);
    const ecrRows = ecrOutcomesByTarget(map, targets, (repository) => policies(repository));

    let done = 0;
    const [checks, ecr] = await Promise.all([
      mapBounded(all, options.concurrency ?? DEFAULT_CONCURRENCY, async (target) => {
        const role = await roles(target.account);
        const outcomes =
          'ecsService' in target
            ? await checkTarget(map, target, role, clients, rolePolicyOf, versionOf)
            : await checkStackTarget(map, target, role, clients);
        options.onTargetDone?.(++done, all.length, target);
        return outcomes;
      }),
      ecrRows,
    ]);
    // An application stack pulls no image: ecr-pull is for the ECS targets, which come first.
    const perTarget = all.map((target, index) => {
      const pull = index < targets.length ? [['ecr-pull', ecr[index] as Outcome] as const] : [];
      return [...(checks[index] ?? []), ...pull].map(([check, outcome]) => toRow(target, check, outcome));
    });
    return perTarget.flat();
  } finally {
    if (!options.clients) clients.destroy();
  }
}

type RolePolicyRead = { document: string } | { failure: CallFailure };

async function checkTarget(
  map: DeploymentMap,
  target: DoctorTarget,
  role: RoleAnswer,
  clients: DoctorClients,
  rolePolicyOf: (account: string, aws: TargetAwsClients) => Promise<RolePolicyRead>,
  versionOf: (instance: ServiceInstanceRef) => Promise<TemplateRead>,
): Promise<Array<readonly [CheckName, Outcome]>> {
  const roleArn = deployRoleArn(target.account, map.deployRole, target.region);
  const template = templateSources(map, target);
  const { instance } = target;
  if ('failure' in role) {
    // Whether the service exists is unknown: judged as if the first deploy had to create it.
    const instanceRows: Array<readonly [CheckName, Outcome]> = instance
      ? [
          ['template', templateOutcome(target, instance, await versionOf(instance), true)],
          [
            'env-stack',
            instance.environmentStack === null
              ? environmentStackOutcome(target, instance, undefined, true)
              : skipped(NEEDS_ROLE),
          ],
        ]
      : [];
    return [
      ['deploy-role', roleOutcome(target.account, roleArn, role.failure)],
      ['service', skipped(NEEDS_ROLE)],
      ...instanceRows,
      ['container', template ? containerOutcome(target, template.container) : skipped(NEEDS_ROLE)],
      ['platform', template ? platformOutcome(target, template.platform) : skipped(NEEDS_ROLE)],
      ['pass-role', skipped(NEEDS_ROLE)],
      ['alarms', skipped(NEEDS_ROLE)],
    ];
  }
  const aws = clients.inTarget(target.region, role.credentials);
  try {
    const [service, alarms, environmentStack, version] = await Promise.all([
      lookUpService(aws, target),
      readAlarms(aws, target),
      instance?.environmentStack ? readStack(aws, instance.environmentStack) : undefined,
      instance ? versionOf(instance) : undefined,
    ]);
    const pending = pendingInstance(target, service);
    const serviceCheck =
      'failure' in service
        ? deployRoleCallFailed(target, service.failure)
        : pending
          ? pendingServiceOutcome(target, pending, service)
          : serviceOutcome(target, service);
    // A service that could not be looked up may still have to be created: judged as if it had.
    const creates = pending !== undefined || 'failure' in service;
    const instanceRows: Array<readonly [CheckName, Outcome]> =
      instance && version
        ? [
            ['template', templateOutcome(target, instance, version, creates)],
            ['env-stack', environmentStackOutcome(target, instance, environmentStack, creates)],
          ]
        : [];
    const alarmsCheck =
      'failure' in alarms
        ? deployRoleCallFailed(target, alarms.failure)
        : pending
          ? pendingAlarmsOutcome(target, pending, alarms.found)
          : alarmsOutcome(target, alarms.found);
    // The template creates the service's first task definition: before it exists there is none to read, unless
    // the map's own taskDefinition template says what a deploy registers.
    const revision = template
      ? templateRoles(map, target)
      : pending
        ? { outcome: awaitingInstance(pending) }
        : await liveRevision(aws, target, service);
    const read = 'outcome' in revision ? undefined : revision;
    const unread = 'outcome' in revision ? revision : undefined;
    const container = template
      ? containerOutcome(target, template.container)
      : read
        ? containerOutcome(target, liveContainers(read))
        : (unread as Unread).outcome;
    const platform = template
      ? platformOutcome(target, template.platform)
      : read
        ? platformOutcome(target, livePlatform(read))
        : ((unread as Unread).platformOutcome ?? (unread as Unread).outcome);
    return [
      ['deploy-role', roleOutcome(target.account, roleArn)],
      ['service', serviceCheck],
      ...instanceRows,
      ['container', container],
      ['platform', platform],
      [
        'pass-role',
        read
          ? await passRoleCheck(target, roleArn, read, () => rolePolicyOf(target.account, aws))
          : pending
            ? awaitingInstance(pending)
            : skipped('needs the revision, which could not be read'),
      ],
      ['alarms', alarmsCheck],
    ];
  } finally {
    aws.destroy();
  }
}

/** The version a service names, as the registry has it; the caller's own credentials, in the tools account. */
async function readVersion(
  registry: DoctorClients['templates'],
  [name, version]: [string, string],
): Promise<TemplateRead> {
  try {
    const published = await readTemplateVersion(registry.db, registry.table, { kind: 'services', name, version });
    return {
      kind: 'published',
      hash: published.hash,
      publishedAt: published.publishedAt,
      publishedBy: published.publishedBy,
    };
  } catch (error) {
    if (error instanceof TemplateVersionNotPublished) return { kind: 'unpublished', message: error.message };
    return { kind: 'failed', table: registry.table, failure: failureOf(`dynamodb:GetItem`, error) };
  }
}

/**
 * An application stack's targets: no ECS service, image or task definition, but the stack a push makes a change set
 * on, the environment's stack whose outputs it takes, and the alarms its bake watches.
 */
async function checkStackTarget(
  map: DeploymentMap,
  target: StackDoctorTarget,
  role: RoleAnswer,
  clients: DoctorClients,
): Promise<Array<readonly [CheckName, Outcome]>> {
  const roleArn = deployRoleArn(target.account, map.deployRole, target.region);
  if ('failure' in role) {
    return [
      ['deploy-role', roleOutcome(target.account, roleArn, role.failure)],
      ['app-stack', skipped(NEEDS_ROLE)],
      [
        'env-stack',
        target.environmentStack === null ? applicationEnvironmentStackOutcome(target, undefined) : skipped(NEEDS_ROLE),
      ],
      ['alarms', skipped(NEEDS_ROLE)],
    ];
  }
  const aws = clients.inTarget(target.region, role.credentials);
  try {
    const [stack, environmentStack, alarms] = await Promise.all([
      readStack(aws, target.stack),
      target.environmentStack ? readStack(aws, target.environmentStack) : undefined,
      readAlarms(aws, target),
    ]);
    return [
      ['deploy-role', roleOutcome(target.account, roleArn)],
      ['app-stack', applicationStackOutcome(target, stack)],
      ['env-stack', applicationEnvironmentStackOutcome(target, environmentStack)],
      [
        'alarms',
        'failure' in alarms
          ? deployRoleCallFailed(target, alarms.failure)
          : applicationAlarmsOutcome(target, stack, alarms.found),
      ],
    ];
  } finally {
    aws.destroy();
  }
}

/** One of crossdeploy's stacks in the target, as the deploy role sees it. */
async function readStack(aws: TargetAwsClients, stackName: string): Promise<StackRead> {
  try {
    const { Stacks = [] } = await aws.cloudformation.send(new DescribeStacksCommand({ StackName: stackName }));
    const stack = Stacks[0];
    if (!stack?.StackStatus) return { kind: 'none' };
    return {
      kind: 'stack',
      status: stack.StackStatus,
      ...(stack.StackStatusReason ? { statusReason: stack.StackStatusReason } : {}),
    };
  } catch (error) {
    // "Stack with id <name> does not exist": a ValidationError, CloudFormation's only way to say "none".
    if ((error as Error).name === 'ValidationError' && /does not exist/.test((error as Error).message)) {
      return { kind: 'none' };
    }
    return { failure: failureOf('cloudformation:DescribeStacks', error), kind: 'failed' };
  }
}

/** Why the revision could not be read; the platform check says it in its own words when there is none. */
interface Unread {
  outcome: Outcome;
  platformOutcome?: Outcome;
}

async function assumeRole(sts: DoctorClients['sts'], map: DeploymentMap, account: string): Promise<RoleAnswer> {
  const { externalId } = map.deployRole;
  try {
    const { Credentials: c } = await sts.send(
      new AssumeRoleCommand({
        RoleArn: deployRoleArn(account, map.deployRole, map.orchestrator.region),
        RoleSessionName: 'crossdeploy-doctor',
        // The shortest session AWS allows: doctor is done in seconds.
        DurationSeconds: 900,
        ...(externalId ? { ExternalId: externalId } : {}),
      }),
    );
    if (!c?.AccessKeyId || !c.SecretAccessKey) {
      return { failure: { action: 'sts:AssumeRole', error: 'AssumeRole returned no credentials', transient: false } };
    }
    return {
      credentials: {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}),
      },
    };
  } catch (error) {
    return { failure: failureOf('sts:AssumeRole', error) };
  }
}

async function lookUpService(
  aws: TargetAwsClients,
  target: DoctorTarget,
): Promise<ServiceLookup | { failure: CallFailure }> {
  try {
    const answer = await aws.ecs.send(
      new DescribeServicesCommand({ cluster: target.cluster, services: [target.ecsService] }),
    );
    const service = answer.services?.[0];
    if (!service) return { kind: 'missing', reason: answer.failures?.[0]?.reason ?? 'MISSING' };
    return {
      kind: 'found',
      status: service.status ?? 'UNKNOWN',
      ...(service.taskDefinition ? { taskDefinition: service.taskDefinition } : {}),
      deploymentController: controllerOf(service),
    };
  } catch (error) {
    if ((error as Error).name === 'ClusterNotFoundException') return { kind: 'no-cluster' };
    return { failure: failureOf('ecs:DescribeServices', error) };
  }
}

async function liveRevision(
  aws: TargetAwsClients,
  target: DoctorTarget,
  service: ServiceLookup | { failure: CallFailure },
): Promise<Revision | Unread> {
  if ('failure' in service) return { outcome: skipped('needs the service, which could not be read') };
  if (service.kind !== 'found' || service.status === 'INACTIVE') return { outcome: skipped(NEEDS_SERVICE) };
  if (!service.taskDefinition) {
    return {
      outcome: noTaskDefinition(target),
      platformOutcome: skipped('needs a task definition, which the service has not'),
    };
  }
  try {
    const answer = await aws.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: service.taskDefinition }));
    return {
      source: service.taskDefinition,
      containers: (answer.taskDefinition?.containerDefinitions ?? []).flatMap((c) => c.name ?? []),
      runtimePlatform: answer.taskDefinition?.runtimePlatform,
      taskRoleArn: answer.taskDefinition?.taskRoleArn,
      executionRoleArn: answer.taskDefinition?.executionRoleArn,
    };
  } catch (error) {
    return { outcome: deployRoleCallFailed(target, failureOf('ecs:DescribeTaskDefinition', error)) };
  }
}

async function passRoleCheck(
  target: DoctorTarget,
  deployRoleArn: string,
  revision: Revision,
  policyOf: () => Promise<RolePolicyRead>,
): Promise<Outcome> {
  const named = [
    ['task', revision.taskRoleArn],
    ['execution', revision.executionRoleArn],
  ] as const;
  const roles = named.flatMap(([kind, role]) =>
    role ? [{ kind, arn: roleArnOf(role, target.account, target.region) }] : [],
  );
  if (roles.length === 0) return passRoleOutcome(target, revision.source, []);
  const policy = await policyOf();
  if ('failure' in policy) return passRolePolicyUnreadable(target, policy.failure);
  try {
    const verdicts = await Promise.all(
      roles.map(async (role) => ({
        ...role,
        allowed: await mayPassToEcsTasks(policy.document, deployRoleArn, role.arn),
      })),
    );
    return passRoleOutcome(target, revision.source, verdicts);
  } catch (error) {
    return { result: 'WARN', detail: (error as Error).message };
  }
}

async function readRolePolicy(aws: TargetAwsClients, roleName: string): Promise<RolePolicyRead> {
  try {
    const answer = await aws.iam.send(
      new GetRolePolicyCommand({ RoleName: roleName, PolicyName: DEPLOY_ROLE_POLICY_NAME }),
    );
    // IAM returns the document URL-encoded (RFC 3986).
    return { document: decodeURIComponent(answer.PolicyDocument ?? '') };
  } catch (error) {
    return { failure: failureOf('iam:GetRolePolicy', error) };
  }
}

type AlarmsRead = { found: Array<{ name: string; state?: string }> } | { failure: CallFailure };

async function readAlarms(aws: TargetAwsClients, target: TargetPlace): Promise<AlarmsRead> {
  const found: Array<{ name: string; state?: string }> = [];
  try {
    for (let i = 0; i < target.alarms.length; i += ALARM_NAMES_PER_CALL) {
      const AlarmNames = target.alarms.slice(i, i + ALARM_NAMES_PER_CALL);
      let NextToken: string | undefined;
      do {
        const answer = await aws.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames, NextToken }));
        for (const alarm of [...(answer.MetricAlarms ?? []), ...(answer.CompositeAlarms ?? [])]) {
          if (alarm.AlarmName)
            found.push({ name: alarm.AlarmName, ...(alarm.StateValue ? { state: alarm.StateValue } : {}) });
        }
        NextToken = answer.NextToken;
      } while (NextToken);
    }
  } catch (error) {
    return { failure: failureOf('cloudwatch:DescribeAlarms', error) };
  }
  return { found };
}

function ecrContext(map: DeploymentMap, repository: string): EcrContext {
  const { principalOrgId } = map.ecr;
  return { repository, orchestrator: map.orchestrator, ...(principalOrgId ? { principalOrgId } : {}) };
}

/** The ECR outcome of every target, by target index: one policy decides all the targets of its repository. */
async function ecrOutcomesByTarget(
  map: DeploymentMap,
  targets: readonly DoctorTarget[],
  policyOf: (repository: string) => Promise<PolicyRead>,
): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  const byRepository = new Map<string, Array<{ target: DoctorTarget; index: number }>>();
  targets.forEach((target, index) => {
    const repository = map.services[target.service]?.repository ?? '';
    byRepository.set(repository, [...(byRepository.get(repository) ?? []), { target, index }]);
  });
  for (const [repository, entries] of byRepository) {
    const verdicts = ecrPullOutcomes(
      ecrContext(map, repository),
      await policyOf(repository),
      entries.map((entry) => entry.target.account),
    );
    entries.forEach((entry, i) => {
      outcomes[entry.index] = verdicts[i] as Outcome;
    });
  }
  return outcomes;
}

async function readPolicy(ecr: DoctorClients['ecr'], ctx: EcrContext): Promise<PolicyRead> {
  try {
    const answer = await ecr.send(
      new GetRepositoryPolicyCommand({ registryId: ctx.orchestrator.account, repositoryName: ctx.repository }),
    );
    return { kind: 'policy', text: answer.policyText };
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'RepositoryPolicyNotFoundException') return { kind: 'policy', text: undefined };
    if (name === 'RepositoryNotFoundException') return { kind: 'no-repository' };
    return { kind: 'failed', failure: failureOf('ecr:GetRepositoryPolicy', error) };
  }
}

function failureOf(action: string, error: unknown): CallFailure {
  const e = error instanceof Error ? error : new Error(String(error));
  return {
    action,
    error: `${e.name}: ${e.message}`,
    // The registry's reads (aws/template-registry.ts) report throttling and 5xx as TransientAwsError already.
    transient: isTransient(error) || error instanceof TransientAwsError,
    ...(e.name === 'CredentialsProviderError' ? { noCredentials: true } : {}),
  };
}
