// The local runtime keeps crossdeploy's secrets where the SST app keeps them in AWS: SecureString parameters in
// SSM Parameter Store (here moto's), with only their names in the handlers' environment (aws/secrets.ts).

import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { forgetSecrets, type SecretVariable, UNSET_SECRET } from '../aws/secrets';

const SECRET_PARAMETERS = {
  githubWebhookSecret: 'CROSSDEPLOY_GITHUB_WEBHOOK_SECRET_PARAM',
  linkSigningKey: 'CROSSDEPLOY_LINK_SIGNING_KEY_PARAM',
  chatWebhookUrl: 'CROSSDEPLOY_CHAT_WEBHOOK_URL_PARAM',
} as const satisfies Record<string, SecretVariable>;
type SecretName = keyof typeof SECRET_PARAMETERS;

/** `/crossdeploy/local/github-webhook-secret`, ... */
export function localParameterName(name: SecretName): string {
  return `/crossdeploy/local/${name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
}

/**
 * Writes each given secret to its parameter, in the caller's account and region, and names the parameter in
 * the environment; a secret given as undefined is stored unset. Cached values are forgotten.
 */
export async function storeLocalSecrets(values: Partial<Record<SecretName, string | undefined>>): Promise<void> {
  const ssm = new SSMClient({});
  try {
    for (const [name, value] of Object.entries(values) as [SecretName, string | undefined][]) {
      const parameter = localParameterName(name);
      await ssm.send(
        new PutParameterCommand({
          Name: parameter,
          Type: 'SecureString',
          Value: value || UNSET_SECRET,
          Overwrite: true,
        }),
      );
      process.env[SECRET_PARAMETERS[name]] = parameter;
    }
  } finally {
    ssm.destroy();
  }
  forgetSecrets();
}
