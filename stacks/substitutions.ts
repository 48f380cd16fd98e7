// The state machines, the `${...}` substitutions their ASL files use, and what each machine depends on.
// Pure (no Pulumi, no SST globals): stacks/state-machines.ts deploys from it, tests check it offline.
import deployEnvironment from '../state-machines/deploy-environment.asl.json';
import deployStack from '../state-machines/deploy-stack.asl.json';
import deployTarget from '../state-machines/deploy-target.asl.json';
import pipeline from '../state-machines/pipeline.asl.json';
import rollbackStack from '../state-machines/rollback-stack.asl.json';
import rollbackTarget from '../state-machines/rollback-target.asl.json';
import { BUILDSPEC, PACKAGE_BUILDSPEC } from './images';
import { functionVariable, STEP_FUNCTIONS, type StepFunction } from './steps';

export interface StateMachineSpec {
  /** `DeployTarget`: Pulumi resources `DeployTargetStateMachine*`, substitution `${DeployTargetStateMachineArn}`. */
  id: string;
  /** `deploy-target`: the file `state-machines/deploy-target.asl.json` and the machine's name suffix. */
  file: string;
  /** The ASL as in the file (JSON imports are bundled, so no path is resolved at deploy time). */
  definition: unknown;
}

/**
 * In creation order: a machine may start only machines listed before it (rollback-target starts rollback-stack to
 * put back a service instance its deployment moved; deploy-stack starts rollback-stack when an application stack
 * fails its bake; deploy-target starts rollback-target, and deploy-stack to create a service's instance;
 * deploy-environment starts all four; the pipeline starts deploy-environment), so their ARNs exist when its
 * definition is built.
 */
export const STATE_MACHINES = [
  { id: 'RollbackStack', file: 'rollback-stack', definition: rollbackStack },
  { id: 'RollbackTarget', file: 'rollback-target', definition: rollbackTarget },
  { id: 'DeployStack', file: 'deploy-stack', definition: deployStack },
  { id: 'DeployTarget', file: 'deploy-target', definition: deployTarget },
  { id: 'DeployEnvironment', file: 'deploy-environment', definition: deployEnvironment },
  { id: 'Pipeline', file: 'pipeline', definition: pipeline },
] as const satisfies readonly StateMachineSpec[];

export type StateMachine = (typeof STATE_MACHINES)[number];
export type StateMachineId = StateMachine['id'];

export const stateMachineVariable = (spec: Pick<StateMachineSpec, 'id'>): string => `${spec.id}StateMachineArn`;

/**
 * `${BuildProjectPrefix}`: what the NAMES (not the ARNs) of the services' CodeBuild projects start with; the
 * pipeline appends the service's name, as `codebuild:startBuild` takes it.
 */
export const BUILD_PROJECT_VARIABLE = 'BuildProjectPrefix';

/** `${BuildSpec}`: the ECS services' buildspec (stacks/images.ts), passed again with every build as BuildspecOverride. */
export const BUILD_SPEC_VARIABLE = 'BuildSpec';

/** `${PackageSpec}`: the application stacks' buildspec, passed again with every packaging build likewise. */
export const PACKAGE_SPEC_VARIABLE = 'PackageSpec';

/** The buildspecs a definition that starts builds is given, by variable. */
export const BUILDSPECS: Readonly<Record<string, string>> = {
  [BUILD_SPEC_VARIABLE]: BUILDSPEC,
  [PACKAGE_SPEC_VARIABLE]: PACKAGE_BUILDSPEC,
};

export type Substitution =
  | { kind: 'function'; variable: string; spec: StepFunction }
  | { kind: 'state-machine'; variable: string; spec: StateMachine }
  | { kind: 'build-project'; variable: string }
  | { kind: 'build-spec'; variable: string; buildspec: string };

/** Every variable an ASL file may use, and what provides its value. */
export const SUBSTITUTIONS: ReadonlyMap<string, Substitution> = new Map<string, Substitution>([
  ...STEP_FUNCTIONS.map((spec): [string, Substitution] => [
    functionVariable(spec),
    { kind: 'function', variable: functionVariable(spec), spec },
  ]),
  ...STATE_MACHINES.map((spec): [string, Substitution] => [
    stateMachineVariable(spec),
    { kind: 'state-machine', variable: stateMachineVariable(spec), spec },
  ]),
  [BUILD_PROJECT_VARIABLE, { kind: 'build-project', variable: BUILD_PROJECT_VARIABLE }],
  ...Object.entries(BUILDSPECS).map(([variable, buildspec]): [string, Substitution] => [
    variable,
    { kind: 'build-spec', variable, buildspec },
  ]),
]);

const VARIABLE = /\$\{(\w+)\}/g;

function mapStrings(node: unknown, replace: (text: string) => string): unknown {
  if (typeof node === 'string') return replace(node);
  if (Array.isArray(node)) return node.map((item) => mapStrings(item, replace));
  if (node !== null && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, mapStrings(value, replace)]));
  }
  return node;
}

/** The `${Var}` names a definition uses, sorted. */
export function definitionVariables(definition: unknown): string[] {
  const found = new Set<string>();
  mapStrings(definition, (text) => {
    for (const match of text.matchAll(VARIABLE)) found.add(match[1] as string);
    return text;
  });
  return [...found].sort();
}

/** The definition as JSON text with every `${Var}` replaced; a variable without a value is an error. */
export function substitute(definition: unknown, values: Readonly<Record<string, string>>, where: string): string {
  const substituted = mapStrings(definition, (text) =>
    text.replace(VARIABLE, (_, variable: string) => {
      const value = values[variable];
      if (value === undefined) throw new Error(`${where}: no value for \${${variable}}`);
      return value;
    }),
  );
  return JSON.stringify(substituted);
}

const NESTED_EXECUTION = /^arn:aws:states:::states:startExecution/;
const NESTED_SYNC_EXECUTION = /^arn:aws:states:::states:startExecution\.sync/;
const START_BUILD = /^arn:aws:states:::codebuild:startBuild/;
const START_BUILD_SYNC = /^arn:aws:states:::codebuild:startBuild\.sync/;

function taskResources(definition: unknown): string[] {
  const resources: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node !== null && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      if (record.Type === 'Task' && typeof record.Resource === 'string') resources.push(record.Resource);
      Object.values(record).forEach(visit);
    }
  };
  visit(definition);
  return resources;
}

export interface StateMachineDependencies {
  /** Functions the machine invokes: its role may invoke exactly these. */
  functions: StepFunction[];
  /** Machines it starts as nested executions; all listed before it in STATE_MACHINES. */
  children: StateMachine[];
  /** It waits for its children (`startExecution.sync`), which needs the EventBridge managed rule. */
  waitsForChildren: boolean;
  /** It starts builds of the services' CodeBuild projects (`${BuildProjectPrefix}<service>`). */
  startsBuilds: boolean;
  /** It waits for them (`startBuild.sync`), which needs another EventBridge managed rule. */
  waitsForBuilds: boolean;
  /** It has a Distributed Map: it starts its own child executions, reading and writing the artifacts bucket. */
  runsMapRuns: boolean;
}

/** What a machine's definition refers to; throws on an unknown variable or a child not created before it. */
export function dependenciesOf(machine: StateMachineSpec): StateMachineDependencies {
  const position = STATE_MACHINES.findIndex((spec) => spec.id === machine.id);
  const functions: StepFunction[] = [];
  const children: StateMachine[] = [];
  let startsBuilds = false;
  for (const variable of definitionVariables(machine.definition)) {
    const substitution = SUBSTITUTIONS.get(variable);
    if (!substitution) throw new Error(`${machine.file}.asl.json: unknown substitution \${${variable}}`);
    if (substitution.kind === 'function') {
      functions.push(substitution.spec);
      continue;
    }
    if (substitution.kind === 'build-project') {
      startsBuilds = true;
      continue;
    }
    if (substitution.kind === 'build-spec') continue;
    const childPosition = STATE_MACHINES.findIndex((spec) => spec.id === substitution.spec.id);
    if (position < 0 || childPosition >= position) {
      throw new Error(
        `${machine.file}.asl.json starts ${substitution.spec.file}, which is not created before it: reorder STATE_MACHINES`,
      );
    }
    children.push(substitution.spec);
  }
  const resources = taskResources(machine.definition);
  if (children.length > 0 && !resources.some((resource) => NESTED_EXECUTION.test(resource))) {
    throw new Error(`${machine.file}.asl.json names a state machine ARN but starts no execution`);
  }
  if (startsBuilds !== resources.some((resource) => START_BUILD.test(resource))) {
    throw new Error(
      startsBuilds
        ? `${machine.file}.asl.json names the build project but starts no build`
        : `${machine.file}.asl.json starts a build of a project not named \${${BUILD_PROJECT_VARIABLE}}<service>`,
    );
  }
  return {
    functions,
    children,
    waitsForChildren: resources.some((resource) => NESTED_SYNC_EXECUTION.test(resource)),
    startsBuilds,
    waitsForBuilds: resources.some((resource) => START_BUILD_SYNC.test(resource)),
    runsMapRuns: JSON.stringify(machine.definition).includes('"Mode":"DISTRIBUTED"'),
  };
}
