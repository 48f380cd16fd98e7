import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SFNClient } from '@aws-sdk/client-sfn';
import { stageInUse, stateMachineArnOf } from '../aws/orchestrator';
import { settings } from '../aws/settings';
import { executionLink } from '../core/console-link';
import type { DeploymentMap } from '../core/map/schema';
import { STATE_DIR, useLocalEndpoint } from './local-endpoint';

export type StateMachineFile = Parameters<typeof stateMachineArnOf>[2];

/** What `executions` and `history` need of the orchestrator: its Step Functions, its state machines, its console. */
export interface PipelineApi {
  sfn: SFNClient;
  stateMachineArn(file: StateMachineFile): string;
  /** Where a person opens an execution: the AWS console, or `crossdeploy local`'s own. */
  link(executionArn: string): string;
}

export async function pipelineApi(cwd: string, map: DeploymentMap): Promise<PipelineApi> {
  await useLocalEndpoint(cwd, map);
  const stage = stageInUse();
  const console = settings.consoleUrl() ?? (stage === 'local' ? localConsole(cwd) : undefined);
  return {
    sfn: new SFNClient({ region: map.orchestrator.region }),
    stateMachineArn: (file) => stateMachineArnOf(map.orchestrator, stage, file),
    link: (executionArn) => executionLink(executionArn, console),
  };
}

/** The running `crossdeploy local`'s HTTP API, which serves the console at `/`. */
function localConsole(cwd: string): string | undefined {
  const state = join(cwd, STATE_DIR, 'local.json');
  if (!existsSync(state)) return undefined;
  return (JSON.parse(readFileSync(state, 'utf8')) as { url?: string }).url;
}
