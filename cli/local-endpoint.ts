import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stageSettings } from '../aws/orchestrator';
import { applyCredentialsToEnv, useOrchestratorAccount } from '../local/accounts';
import type { MapForStack } from '../stacks/names';

export const STATE_DIR = '.crossdeploy';

/**
 * Commands that talk to a running `crossdeploy local` find its endpoint in the state it wrote, unless
 * AWS_ENDPOINT_URL says otherwise; locally they then act as the orchestrator account, like its functions do.
 * Against AWS (no local state, no endpoint), they use the caller's own credentials, in the orchestrator's
 * region, and the tables and bus of the stage `CROSSDEPLOY_STAGE` names.
 */
export async function useLocalEndpoint(cwd: string, map: MapForStack): Promise<void> {
  const { orchestrator } = map;
  const state = join(cwd, STATE_DIR, 'local.json');
  if (!process.env.AWS_ENDPOINT_URL && existsSync(state)) {
    const local = JSON.parse(readFileSync(state, 'utf8')) as { endpoint: string; url?: string };
    process.env.AWS_ENDPOINT_URL = local.endpoint;
    // Execution links then open the local console instead of the AWS one.
    if (local.url) process.env.CROSSDEPLOY_CONSOLE_URL ??= local.url;
  }
  const endpoint = process.env.AWS_ENDPOINT_URL;
  if (!endpoint) {
    process.env.AWS_REGION ??= orchestrator.region;
    const stage = process.env.CROSSDEPLOY_STAGE?.trim();
    if (stage) {
      for (const [variable, value] of Object.entries(stageSettings(stage, map))) process.env[variable] ??= value;
    }
    return;
  }
  process.env.AWS_REGION ??= orchestrator.region;
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  applyCredentialsToEnv(await useOrchestratorAccount(endpoint, orchestrator.account, orchestrator.region));
}
