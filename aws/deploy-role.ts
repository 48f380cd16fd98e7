import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import type { DeployRole } from '../core/contracts';
import { RoleNotAssumable, TransientAwsError } from '../core/errors';
import { iamArnIn } from '../core/partition';
import { isTransient } from './transient';

export interface StsLike {
  send(command: AssumeRoleCommand): Promise<{
    Credentials?: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string; Expiration?: Date };
  }>;
}

/** `region` is any region of the account's partition: IAM is global, its ARNs are not (core/partition.ts). */
export function deployRoleArn(account: string, role: DeployRole, region: string): string {
  return iamArnIn(region, account, `role/${role.name}`);
}

/**
 * The role CloudFormation creates crossdeploy's stacks as in a target account, beside the deploy role
 * (stacks/target-account.yaml StackExecutionRole): the deploy role may only pass it.
 */
export function stackExecutionRoleArn(
  { account, region }: { account: string; region: string },
  role: DeployRole,
): string {
  return iamArnIn(region, account, `role/${role.name}-stacks`);
}

// Credentials are reused until five minutes before they expire: a warm Lambda deploying many targets
// in one account assumes the role once, not once per call.
const REFRESH_MARGIN_MS = 5 * 60_000;
const cache = new Map<string, AwsCredentialIdentity>();
let sharedSts: STSClient | undefined;
const defaultSts = () => {
  sharedSts ??= new STSClient({});
  return sharedSts;
};

export interface AssumeOptions {
  sts?: StsLike;
  now?: () => Date;
  sessionName?: string;
}

/** Assumes the deploy role in a target account; fails with `RoleNotAssumable` naming the account and role. */
export async function assumeDeployRole(
  { account, region }: { account: string; region: string },
  role: DeployRole,
  { sts, now = () => new Date(), sessionName = 'crossdeploy' }: AssumeOptions = {},
): Promise<AwsCredentialIdentity> {
  const roleArn = deployRoleArn(account, role, region);
  const key = `${roleArn}|${role.externalId ?? ''}`;
  const cached = cache.get(key);
  if (cached?.expiration && cached.expiration.getTime() - REFRESH_MARGIN_MS > now().getTime()) return cached;

  let answer: Awaited<ReturnType<StsLike['send']>>;
  try {
    answer = await (sts ?? defaultSts()).send(
      new AssumeRoleCommand({
        RoleArn: roleArn,
        RoleSessionName: sessionName.slice(0, 64),
        ...(role.externalId ? { ExternalId: role.externalId } : {}),
      }),
    );
  } catch (error) {
    if (isTransient(error)) {
      throw new TransientAwsError(`sts:AssumeRole ${roleArn}: ${(error as Error).message}`, { cause: error });
    }
    throw new RoleNotAssumable(account, roleArn, { cause: error });
  }
  const c = answer.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey) {
    throw new RoleNotAssumable(account, roleArn, { cause: new Error('AssumeRole returned no credentials') });
  }
  const credentials: AwsCredentialIdentity = {
    accessKeyId: c.AccessKeyId,
    secretAccessKey: c.SecretAccessKey,
    ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}),
    ...(c.Expiration ? { expiration: new Date(c.Expiration) } : {}),
  };
  cache.set(key, credentials);
  return credentials;
}

/** Forgets cached credentials (tests reset AWS state between cases). */
export function forgetDeployRoleCredentials(): void {
  cache.clear();
  sharedSts = undefined;
}
