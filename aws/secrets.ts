// crossdeploy's secrets (the GitHub webhook secret, the approval-link signing key, the chat webhook URL) live in
// SSM Parameter Store as SecureString parameters. A function's environment names the parameter, never the
// value: anyone allowed lambda:GetFunctionConfiguration reads environment variables
// (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html). Each warm Lambda reads a value once
// per TTL, so a rotated secret is picked up within minutes and a burst of requests costs one GetParameter.

import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { awsCall } from './transient';

/**
 * The environment variable that names a secret's parameter: `CROSSDEPLOY_GITHUB_WEBHOOK_SECRET_PARAM`,
 * `CROSSDEPLOY_LINK_SIGNING_KEY_PARAM`, `CROSSDEPLOY_CHAT_WEBHOOK_URL_PARAM`. Callers name it, so each function
 * declares (stacks/steps.ts, stacks/triggered.ts) the one it reads.
 */
export type SecretVariable = `CROSSDEPLOY_${string}_PARAM`;

/** SSM refuses empty values: an optional secret that is not set holds this. */
export const UNSET_SECRET = 'none';

export const SECRET_TTL_MS = 5 * 60_000;

/** The function's environment names no parameter for a secret it needs: a deployment mistake. */
export class SecretNotConfigured extends Error {
  override name = 'SecretNotConfigured' as const;
}

export interface SecretReaderOptions {
  ssm?: { send: SSMClient['send'] };
  now?: () => number;
  ttlMs?: number;
  env?: Record<string, string | undefined>;
}

type Cached = { value: string | undefined; readAt: number };

/**
 * Reads secrets by name, each at most once per TTL. `undefined` for a secret the environment names no parameter
 * for, or whose parameter holds UNSET_SECRET; the value is never logged or put in an error message.
 */
export function secretReader(options: SecretReaderOptions = {}) {
  const { now = Date.now, ttlMs = SECRET_TTL_MS, env = process.env } = options;
  const cache = new Map<string, Cached>();
  let ssm = options.ssm;
  return async (variable: SecretVariable): Promise<string | undefined> => {
    const parameter = env[variable];
    if (!parameter) return undefined;
    const cached = cache.get(parameter);
    if (cached && now() - cached.readAt < ttlMs) return cached.value;
    ssm ??= new SSMClient({});
    const client = ssm;
    const answer = await awsCall(`ssm:GetParameter ${parameter}`, () =>
      client.send(new GetParameterCommand({ Name: parameter, WithDecryption: true })),
    );
    const stored = answer.Parameter?.Value;
    const value = stored === undefined || stored === UNSET_SECRET ? undefined : stored;
    cache.set(parameter, { value, readAt: now() });
    return value;
  };
}

let shared: ReturnType<typeof secretReader> | undefined;

/** The process-wide reader: one cache per warm Lambda. */
export function readSecret(variable: SecretVariable): Promise<string | undefined> {
  shared ??= secretReader();
  return shared(variable);
}

/** A secret the function cannot work without. */
export async function requiredSecret(variable: SecretVariable): Promise<string> {
  const value = await readSecret(variable);
  if (value !== undefined) return value;
  const parameter = process.env[variable];
  throw new SecretNotConfigured(
    parameter ? `the SSM parameter ${parameter} holds no value` : `environment variable ${variable} is not set`,
  );
}

/** Forgets cached values: the local runtime or a test replaced the parameters. */
export function forgetSecrets(): void {
  shared = undefined;
}
