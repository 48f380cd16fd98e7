// A service instance's stack takes its parameters from two owners: the environment's stack outputs (cluster,
// subnets, security groups, roles: the platform team's) and the service's own inputs in the map (the application
// team's). Nobody copies an ARN by hand, and a service cannot set what its environment provides.

/** A parameter the service template declares (its `Parameters` section). */
export interface DeclaredParameter {
  name: string;
  /** The template gives a `Default`, so the parameter may be left out. */
  hasDefault: boolean;
}

/** One parameter of CreateChangeSet, as `@aws-sdk/client-cloudformation` takes it. */
export interface StackParameter {
  ParameterKey: string;
  ParameterValue: string;
}

export type Wiring = { ok: true; parameters: StackParameter[] } | { ok: false; problems: string[] };

export function serviceStackParameters(
  declared: readonly DeclaredParameter[],
  environmentOutputs: Readonly<Record<string, string>>,
  inputs: Readonly<Record<string, unknown>>,
): Wiring {
  const problems: string[] = [];
  const parameters: StackParameter[] = [];
  const names = new Set(declared.map((p) => p.name));
  for (const name of Object.keys(inputs)) {
    if (name in environmentOutputs) {
      problems.push(`input "${name}" comes from the environment's stack; a service cannot set it`);
    } else if (!names.has(name)) {
      problems.push(`input "${name}" is not a parameter of the service template`);
    }
  }
  for (const { name, hasDefault } of declared) {
    const fromEnvironment = environmentOutputs[name];
    const input = inputs[name];
    if (fromEnvironment !== undefined) parameters.push({ ParameterKey: name, ParameterValue: fromEnvironment });
    else if (input !== undefined) parameters.push({ ParameterKey: name, ParameterValue: parameterValue(input) });
    else if (!hasDefault) {
      problems.push(
        `parameter "${name}" has no value: neither the environment's outputs nor the service's inputs name it`,
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
