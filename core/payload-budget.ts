// Whether the pipelines a map starts stay within Step Functions' 256 KiB payload quota. Past it an execution
// fails with States.DataLimitExceeded, which a States.ALL Catch does not catch: half-way through a pipeline.
// The states are the ones the product builds (pipelineInput and its stage plans) for a representative push, so
// `crossdeploy validate` can refuse the map before anything is deployed.

import { type DeploymentMap, formatPath, type Service } from './map/schema';
import { servicePipelineInput } from './pipeline-plan';
import { type PipelineInput, type PipelineStage, type PushEvent, startedRun } from './pipeline-types';
import { MAX_PAYLOAD_BYTES, payloadBytes } from './step-functions-limits';
import { storedWaveOf } from './wave';

/**
 * What the pipeline's state holds besides its input and the copy of the current stage ("Pick next environment"):
 * the built image (`$.built`) and, in `$.current.extras`, the image again with the deployment context and an
 * approver's note, the cursor, and once an environment has failed, the Catch's `$.failure`. Step Functions cuts
 * that Cause at 32,768 characters, and the state holds it JSON-escaped once more: about 43 KB for the
 * description of a failed environment's execution, its input included.
 */
export const PIPELINE_STATE_HEADROOM_BYTES = 48 * 1024;

export interface PayloadFinding {
  /** Where in the map, in its own terms: `services.web.branches.main`. */
  path: string;
  message: string;
}

/**
 * Every branch whose pipeline would outgrow a Step Functions payload: its input, the environments' plans that
 * "Check the request against the map" hands on, and the largest of them once more. Targets weigh nothing there:
 * the input names each environment by its gates, and each wave's targets are kept in S3 (aws/wave-store.ts).
 */
export function payloadBudgetFindings(map: DeploymentMap): PayloadFinding[] {
  const findings: PayloadFinding[] = [];
  for (const [serviceName, service] of Object.entries(map.services)) {
    for (const branch of Object.keys(service.branches)) {
      const input = servicePipelineInput(map, serviceName, samplePush(service, branch), {
        attempt: 1,
        requestId: SAMPLE_REQUEST_ID,
      });
      const finding = pipelineFinding(input, formatPath(['services', serviceName, 'branches', branch]));
      if (finding) findings.push(finding);
    }
  }
  return findings;
}

function pipelineFinding(input: PipelineInput, path: string): PayloadFinding | undefined {
  const stages = input.stages.map(checkedLike);
  const inputBytes = payloadBytes(startedRun(input));
  const stagesBytes = payloadBytes(stages);
  const stageBytes = Math.max(...stages.map(payloadBytes));
  const bytes = inputBytes + stagesBytes + stageBytes + PIPELINE_STATE_HEADROOM_BYTES;
  if (bytes <= MAX_PAYLOAD_BYTES) return undefined;
  return {
    path,
    message:
      `a push to ${input.branch} would start a pipeline for ${count(input.stages.length, 'environment')} whose ` +
      `state would weigh about ${size(bytes)}: its input of ${kib(inputBytes)}, the environments' plans of ` +
      `${kib(stagesBytes)}, the largest of them of ${kib(stageBytes)} once more, and ` +
      `${kib(PIPELINE_STATE_HEADROOM_BYTES)} for the image, the approval and a failure's cause. Step Functions ` +
      `allows ${size(MAX_PAYLOAD_BYTES)}: deploy this branch to fewer environments`,
  };
}

/** A stage as "Check the request against the map" hands it on: each wave as where its targets are stored. */
function checkedLike(stage: PipelineStage) {
  const { deploymentId } = stage.plan.deployment;
  return {
    ...stage,
    plan: { ...stage.plan, waves: stage.plan.waves.map((w, i) => storedWaveOf(SAMPLE_BUCKET, deploymentId, i, w)) },
  };
}

// The artifacts bucket's name as the stacks make it: `crossdeploy-<stage>-artifacts-<account>-<region>`.
const SAMPLE_BUCKET = 'crossdeploy-production-artifacts-111111111111-ap-southeast-2';

// A push as start-pipeline gets it: a full commit id, a GitHub delivery id, a commit message of a few lines.
const SAMPLE_COMMIT = '4f2a9c1e7b3d58a06c9e2f41b7d0a3c85e6f1b92';
const SAMPLE_REQUEST_ID = '72d3162e-cc78-11e3-81ab-4c9367dc0958';

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

function count(n: number, noun: string): string {
  return `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`;
}

function kib(bytes: number): string {
  return `${Math.ceil(bytes / 1024)} KiB`;
}

function size(bytes: number): string {
  return `${kib(bytes)} (${bytes.toLocaleString('en-US')} bytes)`;
}
