// A service instance's stack takes its parameters from three owners: the environment's stack outputs (cluster,
// subnets, security groups, roles: the platform team's), the deployment itself (the image it deploys and the names
// the map gives its ECS service, which crossdeploy then looks for) and the service's own inputs in the map (the
// application team's). Nobody copies an ARN by hand, and a service cannot set what its environment or its
// deployment provides.

import type { StackParameterValue } from '../contracts';

/** A parameter the service template declares (its `Parameters` section). */
export interface DeclaredParameter {
  name: string;
  /** The template gives a `Default`, so the parameter may be left out. */
  hasDefault: boolean;
}

export type Wiring = { ok: true; parameters: StackParameterValue[] } | { ok: false; problems: string[] };

export function serviceStackParameters(
  declared: readonly DeclaredParameter[],
  environmentOutputs: Readonly<Record<string, string>>,
  inputs: Readonly<Record<string, unknown>>,
  fromDeployment: Readonly<Record<string, string>> = {},
): Wiring {
  const problems: string[] = [];
  const parameters: StackParameterValue[] = [];
  const names = new Set(declared.map((p) => p.name));
  for (const name of Object.keys(inputs)) {
    if (name in environmentOutputs) {
      problems.push(`input "${name}" comes from the environment's stack; a service cannot set it`);
    } else if (name in fromDeployment) {
      problems.push(`input "${name}" comes from the deployment; a service cannot set it`);
    } else if (!names.has(name)) {
      problems.push(`input "${name}" is not a parameter of the service template`);
    }
  }
  for (const { name, hasDefault } of declared) {
    const fromEnvironment = environmentOutputs[name];
    const given = fromDeployment[name];
    const input = inputs[name];
    // The service must be where the map says, or the deploy that follows would not find it: the environment's
    // word and the map's must agree rather than one silently winning.
    if (fromEnvironment !== undefined && given !== undefined && fromEnvironment !== given) {
      problems.push(
        `parameter "${name}" is "${fromEnvironment}" in the environment's stack outputs but "${given}" for this ` +
          'deployment (the map names where the service runs): make the map and the environment agree',
      );
    } else if (fromEnvironment !== undefined) parameters.push({ ParameterKey: name, ParameterValue: fromEnvironment });
    else if (given !== undefined) parameters.push({ ParameterKey: name, ParameterValue: given });
    else if (input !== undefined) parameters.push({ ParameterKey: name, ParameterValue: parameterValue(input) });
    else if (!hasDefault) {
      problems.push(
        `parameter "${name}" has no value: neither the environment's outputs, the deployment nor the service's inputs name it`,
      );
    }
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, parameters: parameters.sort((a, b) => a.ParameterKey.localeCompare(b.ParameterKey)) };
}

// CloudFormation parameters are strings; a list goes as a CommaDelimitedList.
function parameterValue(value: unknown): string {
  if (Array.isArray(value)) return value.map(String).join(',');
  return typeof value === 'string' ? value : JSON.stringify(value);
}
