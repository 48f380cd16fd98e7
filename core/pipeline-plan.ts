// The input of one pipeline execution: a service × a pushed commit, one stage per environment of the branch.
// The image does not exist yet (the pipeline builds it), so each stage carries its plan without one.

import { shortCommit } from './approval-message';
import { buildEnvironmentFor } from './build-environment';
import type { PinnedImage } from './contracts';
import { bounded } from './failure';
import { applicationNamed, planApplicationStack } from './map/application-plan';
import { environmentNamed, environmentsForBranch, planEnvironment } from './map/plan';
import type { DeploymentMap, SourceRef } from './map/schema';
import { partitionOf } from './partition';
import type {
  ApplicationInput,
  ApplicationStage,
  BuildSource,
  PipelineInput,
  PipelineStage,
  PushEvent,
} from './pipeline-types';
import { executionName, shortHash } from './push';

/**
 * Each target's execution is named `<deploymentId>-<account>-<region>` and Step Functions allows 80
 * characters: 12 for the account, 14 for the longest region and two hyphens leave 52.
 */
export const DEPLOYMENT_ID_MAX = 52;

export interface PipelineRequest {
  /** 1 for a commit's first pipeline on its branch, n for its n-th (each a new execution name). */
  attempt?: number;
  /** What asked for this pipeline, so a duplicate of the same request is told from a new one. */
  requestId?: string;
}

/**
 * How much of the commit message a pipeline carries (for its notices and the approval e-mail): a push event may
 * bring 200 KB of it, which beside the stages' plans would outgrow StartExecution's 256 KiB input
 * (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html).
 */
export const MAX_PIPELINE_MESSAGE = 1_000;

/** A push's pipeline: an ECS service's, or an application stack's (`kind: stack`). */
export function pipelineInput(
  map: DeploymentMap,
  serviceName: string,
  push: PushEvent,
  request: PipelineRequest = {},
): PipelineInput | ApplicationInput {
  return map.applications[serviceName]
    ? applicationInput(map, serviceName, push, request)
    : servicePipelineInput(map, serviceName, push, request);
}

export function servicePipelineInput(
  map: DeploymentMap,
  serviceName: string,
  push: PushEvent,
  request: PipelineRequest = {},
): PipelineInput {
  const service = map.services[serviceName];
  if (!service) throw new Error(`unknown service "${serviceName}"`);
  const { pushed, environments } = pipelineOf(map, serviceName, push, request, service);
  return {
    ...pushed,
    repository: service.repository,
    build: buildEnvironmentFor(service.platforms),
    stages: environments.map((environment) => stageOf(map, serviceName, environment, pushed.pipelineId, push.commit)),
  };
}

/** What every push's pipeline says of its push, whatever the service's kind, and the environments it deploys. */
function pipelineOf(
  map: DeploymentMap,
  serviceName: string,
  push: PushEvent,
  request: PipelineRequest,
  service: { source: SourceRef; test?: string | undefined },
) {
  const environments = environmentsForBranch(map, serviceName, push.branch);
  // decidePush never starts such a pipeline: a stage-less run would build for nothing.
  if (environments.length === 0) {
    throw new Error(`service "${serviceName}" does not deploy branch "${push.branch}"`);
  }
  const attempt = request.attempt ?? 1;
  const pushed = {
    pipelineId: executionName(serviceName, push.branch, push.commit, attempt),
    ...(attempt > 1 && { attempt }),
    ...(request.requestId && { requestId: request.requestId }),
    kind: 'deploy' as const,
    requestedBy: null,
    serviceName,
    branch: push.branch,
    commit: push.commit,
    author: push.author,
    message: bounded(push.message, MAX_PIPELINE_MESSAGE),
    orchestrator: { account: map.orchestrator.account, region: map.orchestrator.region },
    // '' rather than null: the build step passes it to CodeBuild, which refuses a null variable value.
    test: service.test ?? '',
    source: buildSourceOf(service.source, map.orchestrator.region),
  };
  return { pushed, environments };
}

/**
 * An application stack's pipeline: the packaging build stores the template at the pushed commit, and each
 * environment of the branch deploys it to its stacks, through the environment's gate, lease and waves.
 */
export function applicationInput(
  map: DeploymentMap,
  serviceName: string,
  push: PushEvent,
  request: PipelineRequest = {},
): ApplicationInput {
  const application = applicationNamed(map, serviceName);
  const { pushed, environments } = pipelineOf(map, serviceName, push, request, application);
  return {
    ...pushed,
    // Packaging reads a file and runs the test command: no image, so any CPU does.
    build: buildEnvironmentFor(['linux/amd64']),
    package: { template: application.stack.template },
    stages: environments.map((environment) =>
      applicationStageOf(map, serviceName, environment, pushed.pipelineId, push.commit),
    ),
  };
}

export function applicationStageOf(
  map: DeploymentMap,
  serviceName: string,
  environment: string,
  pipelineId: string,
  commit: string,
): ApplicationStage {
  const env = environmentNamed(map, environment);
  return {
    environment,
    approval: env.approval ? { topic: env.approval.topic, timeoutSeconds: env.approval.timeout } : null,
    concurrency: env.concurrency,
    plan: planApplicationStack(map, serviceName, environment, {
      deploymentId: deploymentIdOf(pipelineId, environment),
      commit,
    }),
  };
}

export interface RollbackRequest {
  environment: string;
  /** The commit whose image goes back, as the ledger recorded it. */
  commit: string;
  image: PinnedImage;
  requestedBy: string;
  reason: string;
  skipApproval: boolean;
  now: Date;
}

/**
 * A pipeline that redeploys an image crossdeploy deployed before, to one environment: the same waves, bake,
 * health checks and lease as a deploy, the approval gate unless skipped, and nothing built.
 */
export function rollbackInput(map: DeploymentMap, serviceName: string, request: RollbackRequest): PipelineInput {
  const service = map.services[serviceName];
  if (!service) throw new Error(`unknown service "${serviceName}"`);
  const stamp = request.now.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const pipelineId = executionName(serviceName, `${request.environment}-rollback-${stamp}`, request.commit);
  const stage = stageOf(map, serviceName, request.environment, pipelineId, request.commit);
  return {
    pipelineId,
    kind: 'rollback',
    requestedBy: request.requestedBy,
    built: { image: request.image },
    serviceName,
    branch: '',
    commit: request.commit,
    author: request.requestedBy,
    message: `rollback to ${shortCommit(request.commit)}: ${request.reason}`,
    repository: service.repository,
    orchestrator: { account: map.orchestrator.account, region: map.orchestrator.region },
    test: '',
    source: buildSourceOf(service.source, map.orchestrator.region),
    build: buildEnvironmentFor(service.platforms),
    stages: [request.skipApproval ? { ...stage, approval: null } : stage],
  };
}

/**
 * The repository CodeBuild checks out for a service, from the map's `source`. CodeCommit repositories are
 * the orchestrator region's (the build runs there); China regions have their own domain.
 */
export function buildSourceOf(source: { github: string } | { codecommit: string }, region: string): BuildSource {
  if ('github' in source) return { type: 'GITHUB', location: `https://github.com/${source.github}.git` };
  const domain = partitionOf(region).dnsSuffix;
  return {
    type: 'CODECOMMIT',
    location: `https://git-codecommit.${region}.${domain}/v1/repos/${source.codecommit}`,
  };
}

export function stageOf(
  map: DeploymentMap,
  serviceName: string,
  environment: string,
  pipelineId: string,
  commit: string,
): PipelineStage {
  const env = map.environments[environment];
  if (!env) throw new Error(`unknown environment "${environment}"`);
  const plan = planEnvironment(map, serviceName, environment, {
    deploymentId: deploymentIdOf(pipelineId, environment),
    commit,
  });
  return {
    environment,
    // The schema has already turned `timeout` into seconds and defaulted it to 24h.
    approval: env.approval ? { topic: env.approval.topic, timeoutSeconds: env.approval.timeout } : null,
    concurrency: env.concurrency,
    plan,
  };
}

/**
 * `<pipelineId>-<environment>` when it fits. Otherwise the pipeline part is cut and a hash of the uncut id
 * keeps it unique per pipeline × environment; the environment stays readable at the end.
 */
export function deploymentIdOf(pipelineId: string, environment: string): string {
  const full = `${pipelineId}-${environment}`;
  if (full.length <= DEPLOYMENT_ID_MAX) return full;
  const hash = shortHash(full);
  const room = DEPLOYMENT_ID_MAX - hash.length - environment.length - 2;
  // Only an environment name of 40+ characters leaves too little room: then it is cut as well.
  if (room < 8) return `${full.slice(0, DEPLOYMENT_ID_MAX - hash.length - 1).replace(/-+$/, '')}-${hash}`;
  return `${pipelineId.slice(0, room).replace(/-+$/, '')}-${hash}-${environment}`;
}
