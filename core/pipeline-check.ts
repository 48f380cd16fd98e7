// Anyone allowed to start the pipeline could hand it any input. Before building or deploying anything, the
// pipeline holds its input against what the map would have produced, so an input cannot drop an approval gate,
// add targets or change a wave: a push's pipeline must be exactly the map's, a rollback's exactly the map's
// environment, its gate dropped only as `crossdeploy rollback --skip-approval` does. The input names each
// environment with its gates only; what deploys there is the map's plan, which the check hands on.

import { canonicalJson } from './json';
import type { DeploymentMap } from './map/schema';
import { applicationInput, servicePipelineInput, stageOf } from './pipeline-plan';
import {
  type ApplicationInput,
  gatesOf,
  type PipelineInput,
  type PipelineRun,
  type ProvisionInput,
  type PushEvent,
  STAGE_GATE_FIELDS,
  type StartedRun,
  startedRun,
} from './pipeline-types';
import { provisionInput } from './provision-plan';

/** A stage the map plans: an ECS service's, or the stacks of a provisioning or an application. */
export type PlannedStage = PipelineRun['stages'][number];

/** What in the input differs from the map's pipeline, or, when nothing does, the stages the map plans for it. */
export type PipelineCheck = { problems: string[]; stages: null } | { problems: []; stages: PlannedStage[] };

interface Planned {
  problems: string[];
  stages?: PlannedStage[];
}

/** The input held against the map: its problems, or the stages the map plans for it. */
export function checkPipeline(map: DeploymentMap, input: StartedRun): PipelineCheck {
  let planned: Planned;
  try {
    planned = plannedFor(map, input);
  } catch (error) {
    planned = { problems: [(error as Error).message] };
  }
  const problems = [...fieldsBrought(input), ...planned.problems];
  if (problems.length > 0 || !planned.stages) return { problems, stages: null };
  return { problems: [], stages: planned.stages };
}

function plannedFor(map: DeploymentMap, brought: StartedRun): Planned {
  // A plan the input brings is told apart (fieldsBrought); the stages are held against the map by their gates.
  const input = { ...brought, stages: brought.stages.map(gatesOf) } as StartedRun;
  if (input.kind === 'provision') return provisionProblems(map, input);
  if ('package' in input) return applicationProblems(map, input);
  if (!map.services[input.serviceName]) return { problems: [`the map has no service "${input.serviceName}"`] };
  return input.kind === 'rollback' ? rollbackProblems(map, input) : deployProblems(map, input);
}

/**
 * A stage names its environment by its gates and nothing else. One that brings its own plan asks for targets the
 * pipeline would not use: say so, not only "not the map's".
 */
function fieldsBrought(input: StartedRun): string[] {
  return input.stages.flatMap((stage, i) =>
    Object.keys(stage)
      .filter((key) => !STAGE_GATES.has(key))
      .map((key) =>
        key === 'plan'
          ? `stages[${i}] brings a plan: the pipeline plans ${stage.environment} from the map`
          : `stages[${i}] has a field the pipeline does not take: ${key}`,
      ),
  );
}

const STAGE_GATES = new Set(STAGE_GATE_FIELDS);

function deployProblems(map: DeploymentMap, input: StartedRun<PipelineInput>): Planned {
  const service = map.services[input.serviceName];
  if (!service) return { problems: [] };
  const expected = servicePipelineInput(map, input.serviceName, pushOf(input, service.source), {
    attempt: input.attempt ?? 1,
  });
  const problems = differences(startedRun(expected), input, [
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
  return { problems, stages: expected.stages };
}

/** An application stack's pipeline must be the map's for its push: its template's path, gates, waves and stacks. */
function applicationProblems(map: DeploymentMap, input: StartedRun<ApplicationInput>): Planned {
  const application = map.applications[input.serviceName];
  if (!application) return { problems: [`the map has no application stack "${input.serviceName}"`] };
  const expected = applicationInput(map, input.serviceName, pushOf(input, application.source), {
    attempt: input.attempt ?? 1,
  });
  const problems = differences(startedRun(expected), input, [
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
  return { problems, stages: expected.stages };
}

function rollbackProblems(map: DeploymentMap, input: StartedRun<PipelineInput>): Planned {
  const [stage, ...more] = input.stages;
  if (!stage || more.length > 0) return { problems: ['a rollback deploys exactly one environment'] };
  if (!input.built) return { problems: ['a rollback brings the image it goes back to'] };
  const expected = stageOf(map, input.serviceName, stage.environment, input.pipelineId, input.commit);
  const gates = gatesOf(expected);
  const problems: string[] = [];
  if (!same(stage, gates) && !same(stage, { ...gates, approval: null })) {
    problems.push(`stages[0] (${stage.environment}) does not have the map's gates for ${input.serviceName} in it`);
  }
  const service = map.services[input.serviceName];
  if (service && input.built.image.repositoryUri.split('/').pop() !== service.repository) {
    problems.push(`the image is not from ${input.serviceName}'s repository ${service.repository}`);
  }
  return { problems, stages: [{ ...expected, approval: stage.approval }] };
}

/**
 * A provisioning must be the map's for its one environment: the template version the map names, the
 * environment's gate, waves and stacks. Its commit is the version's content hash, which the stack step reads
 * from the registry itself, so a wrong one only mislabels the ledger.
 */
function provisionProblems(map: DeploymentMap, input: StartedRun<ProvisionInput>): Planned {
  const [stage, ...more] = input.stages;
  if (!stage || more.length > 0) return { problems: ['a provisioning deploys exactly one environment'] };
  const expected = provisionInput(map, {
    environment: stage.environment,
    commit: input.commit,
    requestedBy: input.requestedBy,
    requestId: input.requestId,
  });
  const problems = differences(startedRun(expected), input, [
    'pipelineId',
    'serviceName',
    'orchestrator',
    'template',
    'stages',
  ]);
  return { problems, stages: expected.stages };
}

/** The push a pipeline says it was started by, as the map's pipeline for it would be planned from. */
function pushOf(input: StartedRun<PipelineInput | ApplicationInput>, source: PushEvent['source']): PushEvent {
  return {
    source,
    branch: input.branch,
    commit: input.commit,
    author: input.author,
    message: input.message,
    changedPaths: [],
  };
}

function differences<T extends object>(expected: T, input: T, keys: (keyof T)[]): string[] {
  return keys
    .filter((key) => !same(expected[key], input[key]))
    .map((key) => `${String(key)} is not what the map gives`);
}

function same(a: unknown, b: unknown): boolean {
  // Key order does not matter in a JSON input.
  return canonicalJson(a) === canonicalJson(b);
}
