// Which account a local process acts as. moto puts calls made with plain keys into 123456789012;
// credentials assumed into `arn:aws:iam::<account>:role/...` land in <account>, exactly as in AWS.

import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';

export const ORCHESTRATOR_ACCOUNT = '111111111111';
export const LOCAL_ROLE_NAME = 'crossdeploy-local';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
}

/** Credentials of the tools account, assumed through `endpoint` so the ECS scheduler learns the key's account. */
export async function useOrchestratorAccount(
  endpoint: string,
  account = ORCHESTRATOR_ACCOUNT,
  region = process.env.AWS_REGION ?? 'us-east-1',
): Promise<AwsCredentials> {
  const sts = new STSClient({ endpoint, region });
  try {
    const { Credentials: c } = await sts.send(
      new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/${LOCAL_ROLE_NAME}`, RoleSessionName: 'local' }),
    );
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) {
      throw new Error(`AssumeRole into ${account} at ${endpoint} returned no credentials`);
    }
    return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
  } finally {
    sts.destroy();
  }
}

/** SDK clients created afterwards with default credentials act as the account the credentials belong to. */
export function applyCredentialsToEnv(creds: AwsCredentials): void {
  process.env.AWS_ACCESS_KEY_ID = creds.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = creds.secretAccessKey;
  process.env.AWS_SESSION_TOKEN = creds.sessionToken;
  // Marked as expiring now, so clients built earlier (handlers keep theirs, as warm Lambdas do) read the
  // environment again on every call instead of keeping keys that a moto reset made unknown.
  process.env.AWS_CREDENTIAL_EXPIRATION = new Date().toISOString();
}

interface BuildArgs {
  request: unknown;
}
type BuildNext = (args: BuildArgs) => Promise<unknown>;

/** The overload of an SDK v3 middleware stack's add() used here (the SDK types one overload per step). */
interface BuildStack {
  add(middleware: (next: BuildNext) => BuildNext, options: { step: 'build'; name: string }): void;
}

/**
 * A client whose calls land in `account`, for FIXTURES ONLY (demo and test setup): it sends moto's
 * `x-moto-account-id` header instead of assuming a role, so setup needs no STS round trip and no async
 * construction. Product code must reach target accounts through sts:AssumeRole like it does in AWS.
 */
export function clientForAccount<C extends { middlewareStack: object }>(
  Client: new (config: { region: string }) => C,
  account: string,
  region: string,
): C {
  const client = new Client({ region });
  (client.middlewareStack as BuildStack).add(
    (next) => (args) => {
      const request = args.request as { headers?: Record<string, string> };
      if (request.headers) request.headers['x-moto-account-id'] = account;
      return next(args);
    },
    { step: 'build', name: 'motoAccountHeader' },
  );
  return client;
}

/**
 * The AWS Organization every local account belongs to, each account directly under the root: what
 * aws:PrincipalOrgID and aws:PrincipalOrgPaths say of a local principal
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalorgpaths).
 */
export const LOCAL_ORGANIZATION = { id: 'o-crossdeploy0', root: 'r-c0d3' } as const;

export const LOCAL_PRINCIPAL_ORG_KEYS: Record<string, string | string[]> = {
  'aws:PrincipalOrgID': LOCAL_ORGANIZATION.id,
  'aws:PrincipalOrgPaths': [`${LOCAL_ORGANIZATION.id}/${LOCAL_ORGANIZATION.root}/`],
};
