// Anyone allowed to start the pipeline could hand it any input. Before building or deploying anything, the
// pipeline holds its input against what the map would have produced, so an input cannot drop an approval gate,
// add targets or change a wave: a push's pipeline must be exactly the map's, a rollback's exactly the map's
// environment, its gate dropped only as `crossdeploy rollback --skip-approval` does.

import { canonicalJson } from './json';
import type { DeploymentMap } from './map/schema';
import { applicationInput, servicePipelineInput, stageOf } from './pipeline-plan';
import type { ApplicationInput, PipelineInput, PipelineRun, ProvisionInput, PushEvent } from './pipeline-types';
import { provisionInput } from './provision-plan';

/** What in the input differs from the map's pipeline; empty when nothing does. */
export function pipelineRequestProblems(map: DeploymentMap, input: PipelineRun): string[] {
  if (input.kind === 'provision') {
    try {
      return provisionProblems(map, input);
    } catch (error) {
      return [(error as Error).message];
    }
  }
  if ('package' in input) {
    try {
      return applicationProblems(map, input);
    } catch (error) {
      return [(error as Error).message];
    }
  }
  const service = map.services[input.serviceName];
  if (!service) return [`the map has no service "${input.serviceName}"`];
  try {
    return input.kind === 'rollback' ? rollbackProblems(map, input) : deployProblems(map, input);
  } catch (error) {
    return [(error as Error).message];
  }
}

function deployProblems(map: DeploymentMap, input: PipelineInput): string[] {
  const service = map.services[input.serviceName];
  if (!service) return [];
  const expected = servicePipelineInput(map, input.serviceName, pushOf(input, service.source), {
    attempt: input.attempt ?? 1,
  });
  const problems = differences(expected, input, [
    'pipelineId',
    'kind',
    'requestedBy',
    'repository',
    'orchestrator',
    'test',
    'source',
    'build',
    'stages',
  ]);
  if (input.built !== undefined) problems.push('a push brings no image: the pipeline builds it');
  return problems;
}

/** An application stack's pipeline must be the map's for its push: its template's path, gates, waves and stacks. */
function applicationProblems(map: DeploymentMap, input: ApplicationInput): string[] {
  const application = map.applications[input.serviceName];
  if (!application) return [`the map has no application stack "${input.serviceName}"`];
  const expected = applicationInput(map, input.serviceName, pushOf(input, application.source), {
    attempt: input.attempt ?? 1,
  });
  const problems = differences(expected, input, [
    'pipelineId',
    'kind',
    'requestedBy',
    'orchestrator',
    'test',
    'source',
    'build',
    'package',
    'stages',
  ]);
  if ('built' in input) problems.push('a push brings no template: the pipeline packages it');
  return problems;
}

function rollbackProblems(map: DeploymentMap, input: PipelineInput): string[] {
  const [stage, ...more] = input.stages;
  if (!stage || more.length > 0) return ['a rollback deploys exactly one environment'];
  if (!input.built) return ['a rollback brings the image it goes back to'];
  const expected = stageOf(map, input.serviceName, stage.environment, input.pipelineId, input.commit);
  const withoutGate = { ...expected, approval: null };
  const problems: string[] = [];
  if (!same(stage, expected) && !same(stage, withoutGate)) {
    problems.push(`stages[0] (${stage.environment}) is not the map's plan for ${input.serviceName} in it`);
  }
  const service = map.services[input.serviceName];
  if (service && input.built.image.repositoryUri.split('/').pop() !== service.repository) {
    problems.push(`the image is not from ${input.serviceName}'s repository ${service.repository}`);
  }
  return problems;
}

/**
 * A provisioning must be the map's for its one environment: the template version the map names, the
 * environment's gate, waves and stacks. Its commit is the version's content hash, which the stack step reads
 * from the registry itself, so a wrong one only mislabels the ledger.
 */
function provisionProblems(map: DeploymentMap, input: ProvisionInput): string[] {
  const [stage, ...more] = input.stages;
  if (!stage || more.length > 0) return ['a provisioning deploys exactly one environment'];
  const expected = provisionInput(map, {
    environment: stage.environment,
    commit: input.commit,
    requestedBy: input.requestedBy,
    requestId: input.requestId,
  });
  return differences(expected, input, ['pipelineId', 'serviceName', 'orchestrator', 'template', 'stages']);
}

/** The push a pipeline says it was started by, as the map's pipeline for it would be planned from. */
function pushOf(input: PipelineInput | ApplicationInput, source: PushEvent['source']): PushEvent {
  return {
    source,
    branch: input.branch,
    commit: input.commit,
    author: input.author,
    message: input.message,
    changedPaths: [],
  };
}

function differences<T extends PipelineRun>(expected: T, input: T, keys: (keyof T)[]): string[] {
  return keys
    .filter((key) => !same(expected[key], input[key]))
    .map((key) => `${String(key)} is not what the map gives`);
}

function same(a: unknown, b: unknown): boolean {
  // Key order does not matter in a JSON input.
  return canonicalJson(a) === canonicalJson(b);
}
