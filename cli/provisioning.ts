// Starting an environment's provisioning pipeline, as `env deploy` and `template upgrade --deploy` do: the version
// the map names must be published, and the pipeline's input is the map's own (core/provision-plan.ts).

import { randomUUID } from 'node:crypto';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { defaultDocumentClient } from '../aws/lease';
import { callerArn } from '../aws/operator';
import { stageInUse, stateMachineArnOf } from '../aws/orchestrator';
import { startNextAttempt } from '../aws/pipeline-start';
import { settings } from '../aws/settings';
import { readTemplateVersion } from '../aws/template-registry';
import { templateLabel } from '../core/approval-message';
import { executionLink } from '../core/console-link';
import type { DeploymentMap } from '../core/map/schema';
import { contentCommit, provisionInput } from '../core/provision-plan';
import { environmentStackName } from '../core/stacks/names';

export interface StartedProvisioning {
  environment: string;
  template: string;
  stack: string;
  targets: number;
  requestedBy: string;
  execution: string;
  executionArn: string;
  consoleLink: string;
  /** RUNNING unless followed to its end. */
  status: string;
}

export interface ProvisioningDeps {
  caller?: () => Promise<string>;
  newId?: () => string;
}

/** The started pipeline, or why none could start (an environment without a template, an unpublished version). */
export async function startProvisioning(
  map: DeploymentMap,
  environment: string,
  sfn: SFNClient,
  deps: ProvisioningDeps = {},
): Promise<StartedProvisioning | { refused: string }> {
  const env = map.environments[environment];
  if (!env) return { refused: `the map has no environment "${environment}"` };
  if (!env.template) {
    return {
      refused: `environment "${environment}" names no template: give it template: { name, version, inputs } in the map`,
    };
  }
  const ref = { kind: 'environments' as const, name: env.template.name, version: env.template.version };
  const published = await readTemplateVersion(
    defaultDocumentClient(map.orchestrator.region),
    settings.templatesTable(),
    ref,
  ).catch((error: Error) => error);
  if (published instanceof Error) return { refused: published.message };

  const requestedBy = await (deps.caller ?? callerArn)();
  const requestId = (deps.newId ?? randomUUID)();
  const commit = contentCommit(published.hash);
  const input = provisionInput(map, { environment, commit, requestedBy, requestId });
  const stateMachineArn = stateMachineArnOf(map.orchestrator, stageInUse(), 'pipeline');
  const start = await startNextAttempt(sfn, stateMachineArn, () => input, requestId);
  if (!start.started) throw new Error(`${start.name} was started by this same request already`);
  return {
    environment,
    template: templateLabel(ref),
    stack: environmentStackName(environment),
    targets: input.stages.flatMap((s) => s.plan.waves.flatMap((w) => w.targets)).length,
    requestedBy,
    execution: start.name,
    executionArn: start.executionArn,
    consoleLink: executionLink(start.executionArn, settings.consoleUrl()),
    status: 'RUNNING',
  };
}
