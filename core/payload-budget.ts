// Whether the workflows a map starts stay within Step Functions' 256 KiB payload quota. Past it an execution
// fails with States.DataLimitExceeded, which a States.ALL Catch does not catch: half-way through a pipeline or
// a wave. The inputs are the ones the product builds (pipelineInput and its stage plans) for a representative
// push, so `crossdeploy validate` can refuse the map before anything is deployed.

import type { DeploymentContext, EnvironmentRun, ImageRef, WavePlan } from './contracts';
import { type DeploymentMap, formatPath, type Service } from './map/schema';
import { ecrRegistryHost } from './partition';
import { servicePipelineInput } from './pipeline-plan';
import type { PipelineInput, PipelineStage, PushEvent } from './pipeline-types';
import { MAX_PAYLOAD_BYTES, payloadBytes } from './step-functions-limits';
import { MAX_WAVE_OUTCOME_BYTES } from './wave';

/**
 * What the pipeline's state holds besides its input and the copy of the current stage ("Pick next environment"):
 * the built image (`$.built`) and, in `$.current.extras`, the image again with the deployment context and an
 * approver's note, the cursor, and once an environment has failed, the Catch's `$.failure`. Step Functions cuts
 * that Cause at 32,768 characters, and the state holds it JSON-escaped once more: about 43 KB for the
 * description of a failed environment whose input lists a few hundred targets.
 */
export const PIPELINE_STATE_HEADROOM_BYTES = 48 * 1024;

/**
 * What deploy-environment's state holds besides its input, the copy of the current wave ("Pick next wave") and
 * the wave's outcomes (which its verdict then replaces, in `$.verdict`): the verdict's cause (cut at 8,192
 * characters, core/wave.ts MAX_WAVE_CAUSE) and summary, the cursor, an error caught while tagging the image
 * (`$.markError`), and an approver's comment longer than the sample's.
 */
export const WAVE_STATE_HEADROOM_BYTES = 16 * 1024;

export interface PayloadFinding {
  /** Where in the map, in its own terms: `services.web.branches.main`, `environments.prod.waves[1]`. */
  path: string;
  message: string;
}

export interface PayloadBudgetOptions {
  /** The most one target's outcome weighs in a wave's gathered results; MAX_WAVE_OUTCOME_BYTES by default. */
  outcomeBytes?: number;
}

/** What one wave of one environment would weigh in deploy-environment's state, and the largest wave that fits. */
export interface WaveWeight {
  targets: number;
  bytes: number;
  /** The most targets a wave split off this one may have; 0 when the environment's input leaves no room. */
  fitting: number;
}

/**
 * Every place in the map whose workflows would outgrow a Step Functions payload: each branch's pipeline (its
 * input, plus the largest environment's stage once more), and each wave (its environment's input, the wave
 * once more, one outcome per target).
 */
export function payloadBudgetFindings(map: DeploymentMap, options: PayloadBudgetOptions = {}): PayloadFinding[] {
  const outcomeBytes = options.outcomeBytes ?? MAX_WAVE_OUTCOME_BYTES;
  const findings: PayloadFinding[] = [];
  // Several services (or branches) may deploy one environment: each wave is judged by its heaviest plan.
  const waves = new Map<string, WaveWeight>();
  for (const [serviceName, service] of Object.entries(map.services)) {
    for (const branch of Object.keys(service.branches)) {
      const input = servicePipelineInput(map, serviceName, samplePush(service, branch), {
        attempt: 1,
        requestId: SAMPLE_REQUEST_ID,
      });
      const finding = pipelineFinding(input, formatPath(['services', serviceName, 'branches', branch]));
      if (finding) findings.push(finding);
      for (const stage of input.stages) {
        const runBytes = payloadBytes(environmentRun(map, service, input, stage));
        stage.plan.waves.forEach((wave, index) => {
          const path = formatPath(['environments', stage.environment, 'waves', index]);
          const weight = waveWeight(runBytes, wave, outcomeBytes);
          const seen = waves.get(path);
          waves.set(
            path,
            seen
              ? {
                  targets: weight.targets,
                  bytes: Math.max(seen.bytes, weight.bytes),
                  fitting: Math.min(seen.fitting, weight.fitting),
                }
              : weight,
          );
        });
      }
    }
  }
  for (const [path, weight] of waves) {
    if (weight.bytes > MAX_PAYLOAD_BYTES) findings.push({ path, message: waveMessage(weight) });
  }
  return findings;
}

/**
 * A wave's weight in deploy-environment's state: the environment's input (`runBytes`), the copy of the wave in
 * `$.current.wave`, one outcome per target in `$.verdict`, and WAVE_STATE_HEADROOM_BYTES; and the most targets
 * the waves it is split into may have.
 */
export function waveWeight(runBytes: number, wave: WavePlan, outcomeBytes: number): WaveWeight {
  const targets = wave.targets.length;
  const bytes = runBytes + payloadBytes(wave) + targets * outcomeBytes + WAVE_STATE_HEADROOM_BYTES;
  // Split into waves of `size`: each wave more adds an empty wave's JSON to the input (the targets only move),
  // and the heaviest of them holds `size` of the wave's heaviest targets, their commas and their outcomes.
  const emptyWave = payloadBytes({ ...wave, targets: [] });
  const heaviest = Math.max(0, ...wave.targets.map(payloadBytes));
  const splitBytes = (size: number) =>
    runBytes +
    Math.ceil(targets / size) * emptyWave +
    size * (heaviest + 1 + outcomeBytes) -
    1 +
    WAVE_STATE_HEADROOM_BYTES;
  let fitting = targets;
  while (fitting > 0 && splitBytes(fitting) > MAX_PAYLOAD_BYTES) fitting--;
  return { targets, bytes, fitting };
}

function pipelineFinding(input: PipelineInput, path: string): PayloadFinding | undefined {
  const inputBytes = payloadBytes(input);
  const stageBytes = Math.max(...input.stages.map(payloadBytes));
  const bytes = inputBytes + stageBytes + PIPELINE_STATE_HEADROOM_BYTES;
  if (bytes <= MAX_PAYLOAD_BYTES) return undefined;
  const targets = input.stages.reduce(
    (sum, stage) => sum + stage.plan.waves.reduce((n, wave) => n + wave.targets.length, 0),
    0,
  );
  return {
    path,
    message:
      `a push to ${input.branch} would start a pipeline for ${count(input.stages.length, 'environment')} and ` +
      `${count(targets, 'target')} whose state would weigh about ${size(bytes)}: its input of ${kib(inputBytes)}, ` +
      `the largest environment's plan of ${kib(stageBytes)} once more, and ${kib(PIPELINE_STATE_HEADROOM_BYTES)} ` +
      `for the image, the approval and a failure's cause. Step Functions allows ${size(MAX_PAYLOAD_BYTES)}: ` +
      'deploy this branch to fewer environments or fewer targets',
  };
}

function waveMessage(weight: WaveWeight): string {
  const over =
    `a wave of ${count(weight.targets, 'target')} would weigh about ${size(weight.bytes)} in the ` +
    `deploy-environment workflow's state, over the ${size(MAX_PAYLOAD_BYTES)} Step Functions allows`;
  return weight.fitting > 0
    ? `${over}: split it into waves of at most ${count(weight.fitting, 'target')}`
    : `${over}, and the environment's own input leaves no room for a wave of even one target: ` +
        'spread its targets over more environments';
}

// A push as start-pipeline gets it: a full commit id, a GitHub delivery id, a commit message of a few lines.
const SAMPLE_COMMIT = '4f2a9c1e7b3d58a06c9e2f41b7d0a3c85e6f1b92';
const SAMPLE_REQUEST_ID = '72d3162e-cc78-11e3-81ab-4c9367dc0958';
const SAMPLE_DIGEST = `sha256:${'3c5e9a1f7b2d4e6a8c0b1d3f5a7c9e2b'.repeat(2)}`;

function samplePush(service: Service, branch: string): PushEvent {
  return {
    source: 'github' in service.source ? { github: service.source.github } : { codecommit: service.source.codecommit },
    branch,
    commit: SAMPLE_COMMIT,
    author: 'Jane Developer',
    message:
      'Fix the checkout total for discounted carts\n\nThe discount was applied twice when a cart held more ' +
      'than one discounted item. Apply it once per line and cover it with a test.',
    changedPaths: ['src/checkout/total.ts', 'src/checkout/total.test.ts'],
    deliveryId: SAMPLE_REQUEST_ID,
  };
}

/** What the pipeline's "Deploy environment" starts deploy-environment with: the stage's plan, image and context. */
function environmentRun(
  map: DeploymentMap,
  service: Service,
  input: PipelineInput,
  stage: PipelineStage,
): EnvironmentRun {
  const repositoryUri = `${ecrRegistryHost(map.orchestrator.account, map.orchestrator.region)}/${service.repository}`;
  const image: ImageRef = {
    repositoryUri,
    digest: SAMPLE_DIGEST,
    uri: `${repositoryUri}@${SAMPLE_DIGEST}`,
    platforms: [...service.platforms],
  };
  const context: DeploymentContext = {
    kind: 'deploy',
    pipelineId: input.pipelineId,
    approval: stage.approval
      ? { approver: 'jane.approver@example.com', comment: 'Checked the canary dashboards.' }
      : null,
    requestedBy: null,
  };
  return { ...stage.plan, deployment: { ...stage.plan.deployment, image, context } };
}

function count(n: number, noun: string): string {
  return `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`;
}

function kib(bytes: number): string {
  return `${Math.ceil(bytes / 1024)} KiB`;
}

function size(bytes: number): string {
  return `${kib(bytes)} (${bytes.toLocaleString('en-US')} bytes)`;
}
