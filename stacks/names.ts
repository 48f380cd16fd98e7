// The names of the orchestrator's resources in one stage, and what the deployment map says about them.
// Pure (no Pulumi, no SST globals): the grants (stacks/steps.ts, stacks/triggered.ts) are built from these
// names, and tests check them offline.
import { isAbsolute, posix } from 'node:path';
import { repositoryPullers } from '../core/images';
import type { DeploymentMap, SourceRef } from '../core/map/schema';
import type { Platform } from '../core/platform';
import { templateUses } from '../core/templates/uses';
import { stageName } from './config';

/** The part of the deployment map the stack reads. */
export type MapForStack = Pick<
  DeploymentMap,
  'orchestrator' | 'services' | 'applications' | 'environments' | 'deployRole'
>;

export interface OrchestratorNames {
  deliveriesTable: string;
  approvalsTable: string;
  /** Deploy-target executions waiting on their targets' ECS and alarm events (TTL on `expiresAt`). */
  waitsTable: string;
  leasesTable: string;
  /** The deployment ledger: one record per target × deployment, kept when the stage is removed. */
  ledgerTable: string;
  /** The template registry: one record per published template version, kept when the stage is removed. */
  templatesTable: string;
  /** Powertools idempotency records of the notify function (TTL on `expiration`). */
  idempotencyTable: string;
  /** S3 bucket of the application stacks' templates, one object per service and commit (aws/artifacts.ts). */
  artifactsBucket: string;
  /**
   * SNS topic that hears every deployment notice (notify publishes there): `crossdeploy-<stage>-notifications`.
   * Created per stage; whoever wants the notices subscribes.
   */
  notificationsTopic: string;
  /** The stage's own EventBridge bus: `crossdeploy-<stage>`. */
  eventBus: string;
  /** Name of the pipeline state machine, which start-pipeline starts and request-approval fails. */
  pipeline: string;
  /** `crossdeploy-<stage>-build-`: the pipeline starts the project of this prefix and the service's name. */
  buildProjectPrefix: string;
  /**
   * One build per service, ECS service or application stack, sorted by service: its own project and role, so a
   * build writes its own service's images or templates only.
   */
  builds: ServiceBuild[];
  /** The nested state machines whose failed executions explain-failure and announce-failure describe. */
  deployEnvironment: string;
  deployTarget: string;
  deployStack: string;
  /**
   * ECR repositories of the map's services, each once, sorted. Named exactly as in the map (find-built-image
   * and the targets' task definitions use the map's names), so they are not per stage.
   */
  repositories: string[];
  /**
   * Regions of the tools account each repository lives in, sorted: its own region and every region the map
   * replicates it to (core/images.ts replicationRules).
   */
  repositoryRegions: Record<string, string[]>;
  /**
   * SNS topics of the map's approval gates, each once, sorted. Named exactly as in the map: request-approval
   * publishes to `arn:...:sns:<orchestrator region>:<orchestrator account>:<topic>`.
   */
  approvalTopics: string[];
  /** SSM SecureString parameters that hold the stage's secrets (aws/secrets.ts reads them at run time). */
  secretParameters: { githubWebhookSecret: string; linkSigningKey: string; chatWebhookUrl: string };
}

/** Where a build checks its service out from, beyond what the pipeline passes. */
interface BuildCheckout {
  /** The CodeCommit repository it checks out, when the service's source is one. */
  codecommitRepository?: string;
  /** The CodeConnections connection it checks GitHub out with, when the map names one. */
  connection?: string;
}

interface BuildProject extends BuildCheckout {
  service: string;
  /** `crossdeploy-<stage>-build-<service>` (CodeBuild project names allow 255 characters). */
  project: string;
  /** `crossdeploy-<stage>-build-<service>` as an IAM role name (64 characters). */
  role: string;
}

/** An ECS service's build: its image, for its platforms, pushed to its ECR repository. */
export interface ImageBuild extends BuildProject {
  kind: 'image';
  /** The ECR repository it pushes to, the only one. */
  repository: string;
  platforms: Platform[];
}

/** An application stack's build: its template, stored under `applications/<service>/` in the artifacts bucket. */
export interface PackageBuild extends BuildProject {
  kind: 'package';
  /** The artifacts bucket it stores the template in, the only one. */
  bucket: string;
}

/** What one service's build project is and may touch. */
export type ServiceBuild = ImageBuild | PackageBuild;

/** `crossdeploy-dev-deploy-target` (state machine names allow 80 characters). */
export const stateMachineNameOf = (app: string, stage: string, file: string): string => stageName(app, stage, file, 80);

export function orchestratorNames(app: string, stage: string, map: MapForStack): OrchestratorNames {
  const repositories = new Set(Object.values(map.services).map((service) => service.repository));
  const buildProjectPrefix = stageName(app, stage, 'build-', 255);
  // S3 bucket names are global and take 63 lowercase characters: the tools account keeps them apart.
  const artifactsBucket = stageName(app, stage, `artifacts-${map.orchestrator.account}`, 63).toLowerCase();
  const topics = new Set<string>();
  for (const environment of Object.values(map.environments)) {
    if (environment.approval) topics.add(environment.approval.topic);
  }
  return {
    // DynamoDB allows 255 characters, EventBridge buses 256, CodeBuild projects 255.
    deliveriesTable: stageName(app, stage, 'deliveries', 255),
    approvalsTable: stageName(app, stage, 'approvals', 255),
    waitsTable: stageName(app, stage, 'waits', 255),
    leasesTable: stageName(app, stage, 'leases', 255),
    ledgerTable: stageName(app, stage, 'ledger', 255),
    templatesTable: stageName(app, stage, 'templates', 255),
    idempotencyTable: stageName(app, stage, 'idempotency', 255),
    artifactsBucket,
    // SNS topic names allow 256 characters.
    notificationsTopic: stageName(app, stage, 'notifications', 256),
    eventBus: busName(app, stage),
    pipeline: stateMachineNameOf(app, stage, 'pipeline'),
    buildProjectPrefix,
    builds: buildsOf(app, stage, map, artifactsBucket),
    deployEnvironment: stateMachineNameOf(app, stage, 'deploy-environment'),
    deployTarget: stateMachineNameOf(app, stage, 'deploy-target'),
    deployStack: stateMachineNameOf(app, stage, 'deploy-stack'),
    repositories: [...repositories].sort(),
    repositoryRegions: Object.fromEntries(
      [...repositories]
        .sort()
        .map((repository) => [
          repository,
          [...new Set([map.orchestrator.region, ...repositoryPullers(map, repository).regions])].sort(),
        ]),
    ),
    approvalTopics: [...topics].sort(),
    secretParameters: {
      githubWebhookSecret: `${app}-${stage}-github-webhook-secret`,
      linkSigningKey: `${app}-${stage}-link-signing-key`,
      chatWebhookUrl: `${app}-${stage}-chat-webhook-url`,
    },
  };
}

/** The ECS services' image builds and the application stacks' packaging builds, sorted by service. */
function buildsOf(app: string, stage: string, map: MapForStack, artifactsBucket: string): ServiceBuild[] {
  const projectOf = (service: string, source: SourceRef): BuildProject => ({
    service,
    project: stageName(app, stage, `build-${service}`, 255),
    role: stageName(app, stage, `build-${service}`, 64),
    ...checkoutOf(source),
  });
  const images = Object.entries(map.services).map(
    ([name, service]): ImageBuild => ({
      kind: 'image',
      ...projectOf(name, service.source),
      repository: service.repository,
      platforms: [...service.platforms],
    }),
  );
  const packages = Object.entries(map.applications).map(
    ([name, application]): PackageBuild => ({
      kind: 'package',
      ...projectOf(name, application.source),
      bucket: artifactsBucket,
    }),
  );
  return [...images, ...packages].sort((a, b) => a.service.localeCompare(b.service));
}

function checkoutOf(source: SourceRef): BuildCheckout {
  return {
    ...('codecommit' in source && { codecommitRepository: source.codecommit }),
    ...('github' in source && source.connection !== undefined && { connection: source.connection }),
  };
}

function busName(app: string, stage: string): string {
  const name = `${app}-${stage}`;
  if (name.length > 256) throw new Error(`${name} is longer than 256 characters: use a shorter stage name`);
  return name;
}

/** Where the deployment map is, relative to the app's root: `CROSSDEPLOY_MAP_FILE`, `crossdeploy.yaml` by default. */
export function mapFilePath(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const file = env.CROSSDEPLOY_MAP_FILE?.trim() || 'crossdeploy.yaml';
  return insideApp(file, 'CROSSDEPLOY_MAP_FILE');
}

/**
 * The files a function that reads the map must carry, relative to the app's root: the map itself, the task
 * definition templates it names and the `schema.json` of every template version it names (relative to the map's
 * directory), which loading the map checks the inputs against and takes their defaults from: a plan made in
 * Lambda must be the plan `crossdeploy validate` saw. Bundled at the same relative paths, so
 * `CROSSDEPLOY_MAP_FILE=<mapFile>` finds them in Lambda (working directory: the package root) as in `sst dev`.
 */
export function mapBundle(
  mapFile: string,
  map: Pick<DeploymentMap, 'services' | 'environments' | 'templates'>,
): string[] {
  const files = new Set([mapFile]);
  const besideMap = (path: string) => posix.normalize(posix.join(posix.dirname(mapFile), path));
  for (const [name, service] of Object.entries(map.services)) {
    if (service.taskDefinition === undefined) continue;
    files.add(insideApp(besideMap(service.taskDefinition), `services.${name}.taskDefinition`));
  }
  for (const { kind, instance, template } of templateUses<{ name: string; version: string }>(map)) {
    const schema = posix.join(map.templates, kind, template.name, template.version, 'schema.json');
    files.add(insideApp(besideMap(schema), `${kind}.${instance}.template`));
  }
  return [...files];
}

function insideApp(file: string, what: string): string {
  const normalized = posix.normalize(file.replaceAll('\\', '/'));
  if (isAbsolute(file) || posix.isAbsolute(normalized) || normalized === '..' || normalized.startsWith('../')) {
    throw new Error(`${what}: ${file} must be a path inside the app (it is bundled with the functions)`);
  }
  return normalized;
}

/**
 * What in the map contradicts the stage being deployed: the map's orchestrator (where request-approval
 * publishes and find-built-image looks) must be this account and region, and its deploy role the one the
 * functions may assume (stacks/config.ts).
 */
export function mapProblems(
  map: MapForStack,
  stack: { account: string; region: string; deployRole: string },
  mapFile: string,
): string[] {
  const problems: string[] = [];
  const { account, region } = map.orchestrator;
  if (account !== stack.account || region !== stack.region) {
    problems.push(
      `${mapFile}: orchestrator is ${account}/${region}, but this stage deploys to ${stack.account}/${stack.region}`,
    );
  }
  if (map.deployRole.name !== stack.deployRole) {
    problems.push(
      `${mapFile}: deployRole is ${map.deployRole.name}, but the functions may only assume ${stack.deployRole} ` +
        '(set CROSSDEPLOY_DEPLOY_ROLE to the same name)',
    );
  }
  return problems;
}

/**
 * `prod-approvals` → `ProdApprovals`: a Pulumi resource name part for each of the map's names. Two names
 * that would give the same part are an error (their resources would collide).
 */
export function resourceIds(names: readonly string[]): Map<string, string> {
  const ids = new Map<string, string>();
  const taken = new Map<string, string>();
  for (const name of names) {
    const id = name
      .split(/[^A-Za-z0-9]+/)
      .filter(Boolean)
      .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
      .join('');
    const other = taken.get(id);
    if (other !== undefined && other !== name) throw new Error(`${other} and ${name} would both be named ${id}`);
    taken.set(id, name);
    ids.set(name, id);
  }
  return ids;
}
