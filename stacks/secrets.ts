// The stage's secrets as SSM SecureString parameters, written from their sst.Secret values. The functions get
// only the parameters' names and read the values at run time (aws/secrets.ts): a value in a Lambda
// environment variable is readable by anyone allowed lambda:GetFunctionConfiguration
// (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html).
import { UNSET_SECRET } from '../aws/secrets';
import type { OrchestratorNames } from './names';

type SecretId = keyof OrchestratorNames['secretParameters'];

const COMPONENT: Record<SecretId, string> = {
  githubWebhookSecret: 'GithubWebhookSecretParameter',
  linkSigningKey: 'LinkSigningKeyParameter',
  chatWebhookUrl: 'ChatWebhookUrlParameter',
};

/** Creates the parameters and returns their names, for the functions' environment. */
export function createSecretParameters(
  names: OrchestratorNames,
  values: Record<SecretId, $util.Input<string>>,
): Record<SecretId, $util.Output<string>> {
  const created = {} as Record<SecretId, $util.Output<string>>;
  for (const id of Object.keys(COMPONENT) as SecretId[]) {
    const parameter = new aws.ssm.Parameter(COMPONENT[id], {
      name: names.secretParameters[id],
      type: 'SecureString',
      // SSM refuses an empty value: an optional secret left empty (the chat URL) is stored as UNSET_SECRET.
      value: $resolve({ value: values[id] }).apply(({ value }) => value || UNSET_SECRET),
    });
    created[id] = parameter.name;
  }
  return created;
}
