import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyCredentialsToEnv, useOrchestratorAccount } from '../local/accounts';

export const STATE_DIR = '.crossdeploy';

/**
 * Commands that talk to a running `crossdeploy local` find its endpoint in the state it wrote, unless
 * AWS_ENDPOINT_URL says otherwise; locally they then act as the orchestrator account, like its functions do.
 * Against AWS (no local state, no endpoint), they use the caller's own credentials.
 */
export async function useLocalEndpoint(cwd: string, orchestrator: { account: string; region: string }): Promise<void> {
  const state = join(cwd, STATE_DIR, 'local.json');
  if (!process.env.AWS_ENDPOINT_URL && existsSync(state)) {
    const local = JSON.parse(readFileSync(state, 'utf8')) as { endpoint: string; url?: string };
    process.env.AWS_ENDPOINT_URL = local.endpoint;
    // Execution links then open the local console instead of the AWS one.
    if (local.url) process.env.CROSSDEPLOY_CONSOLE_URL ??= local.url;
  }
  const endpoint = process.env.AWS_ENDPOINT_URL;
  if (!endpoint) return;
  process.env.AWS_REGION ??= orchestrator.region;
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  applyCredentialsToEnv(await useOrchestratorAccount(endpoint, orchestrator.account, orchestrator.region));
}
