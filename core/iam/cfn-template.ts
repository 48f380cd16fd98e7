// A CloudFormation template as one stack would see it: parameters checked the way CloudFormation checks them,
// conditions decided, intrinsic functions resolved. Enough of CloudFormation to read the IAM policies a
// template creates and hand them to a policy evaluator, offline; not a deployment engine.

import { parseDocument } from 'yaml';
import { isObject } from '../json';

export interface CfnParameter {
  Type: string;
  Default?: string;
  AllowedPattern?: string;
  Description?: string;
}

export interface CfnResource {
  Type: string;
  Condition?: string;
  Properties?: Record<string, unknown>;
}

export interface CfnTemplate {
  Parameters?: Record<string, CfnParameter>;
  Conditions?: Record<string, unknown>;
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, unknown>;
}

/** Where the stack runs and with which parameter values (those left out take their Default). */
export interface CfnStack {
  parameters: Readonly<Record<string, string>>;
  account: string;
  region: string;
  partition?: string;
}

export interface ResolvedTemplate {
  /** Every parameter, given or defaulted. */
  parameters: Record<string, string>;
  conditions: Record<string, boolean>;
  /** Only the resources whose Condition holds, with their properties resolved. */
  resources: Record<string, CfnResource>;
}

/** Marks a value that `Ref: AWS::NoValue` removed; stripped from objects and lists after resolution. */
const NO_VALUE = Symbol('AWS::NoValue');

/**
 * Parses a template written in long form. Short-form tags (`!Ref`) are refused rather than read as plain
 * strings, which would silently change what the template means.
 */
export function parseTemplate(text: string): CfnTemplate {
  const document = parseDocument(text);
  const problems = [...document.errors, ...document.warnings].map((e) => e.message);
  if (problems.length > 0) throw new Error(`not a long-form CloudFormation template:\n${problems.join('\n')}`);
  const template = document.toJS() as CfnTemplate;
  if (!isObject(template) || !isObject(template.Resources)) throw new Error('the template has no Resources');
  return template;
}

/**
 * What CloudFormation would refuse before creating anything: unknown parameters, required ones left out,
 * values outside AllowedPattern (which must match the whole value).
 */
export function parameterProblems(template: CfnTemplate, values: Readonly<Record<string, string>>): string[] {
  const declared = template.Parameters ?? {};
  const problems = Object.keys(values)
    .filter((name) => !(name in declared))
    .map((name) => `${name}: not a parameter of the template`);
  for (const [name, parameter] of Object.entries(declared)) {
    const value = values[name] ?? parameter.Default;
    if (value === undefined) {
      problems.push(`${name}: required, and no value given`);
    } else if (parameter.AllowedPattern !== undefined && !new RegExp(`^(?:${parameter.AllowedPattern})$`).test(value)) {
      problems.push(`${name}: ${JSON.stringify(value)} does not match ${parameter.AllowedPattern}`);
    }
  }
  return problems;
}

export function resolveTemplate(template: CfnTemplate, stack: CfnStack): ResolvedTemplate {
  const problems = parameterProblems(template, stack.parameters);
  if (problems.length > 0) throw new Error(`invalid parameters:\n${problems.join('\n')}`);
  const parameters: Record<string, string> = {};
  for (const [name, parameter] of Object.entries(template.Parameters ?? {})) {
    parameters[name] = stack.parameters[name] ?? (parameter.Default as string);
  }
  // A CommaDelimitedList's Ref is a list (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html).
  const lists = Object.entries(template.Parameters ?? {}).filter(([, p]) => p.Type === 'CommaDelimitedList');
  const scope: Scope = {
    refs: {
      ...parameters,
      ...Object.fromEntries(
        lists.map(([name]) => [name, (parameters[name] ?? '') === '' ? [] : (parameters[name] as string).split(',')]),
      ),
      'AWS::AccountId': stack.account,
      'AWS::Region': stack.region,
      'AWS::Partition': stack.partition ?? 'aws',
    },
    resources: new Set(Object.keys(template.Resources)),
    conditions: {},
  };
  for (const [name, condition] of Object.entries(template.Conditions ?? {})) {
    scope.conditions[name] = resolve(condition, scope) === true;
  }
  const resources: Record<string, CfnResource> = {};
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (resource.Condition !== undefined && !conditionHolds(resource.Condition, scope)) continue;
    resources[id] = { ...resource, Properties: resolve(resource.Properties ?? {}, scope) as Record<string, unknown> };
  }
  return { parameters, conditions: scope.conditions, resources };
}

interface Scope {
  refs: Record<string, string | string[]>;
  resources: Set<string>;
  conditions: Record<string, boolean>;
}

function conditionHolds(name: string, scope: Scope): boolean {
  const value = scope.conditions[name];
  if (value === undefined) throw new Error(`unknown condition ${name}`);
  return value;
}

function resolve(value: unknown, scope: Scope): unknown {
  if (Array.isArray(value)) return value.map((v) => resolve(v, scope)).filter((v) => v !== NO_VALUE);
  if (!isObject(value)) return value;
  const keys = Object.keys(value);
  const [only] = keys;
  // `{ Condition: Name }` inside a condition is that condition's value.
  if (keys.length === 1 && only === 'Condition') return conditionHolds(String(value.Condition), scope);
  if (keys.length === 1 && only !== undefined && (only === 'Ref' || only.startsWith('Fn::'))) {
    return intrinsic(only, value[only], scope);
  }
  const entries = Object.entries(value)
    .map(([k, v]) => [k, resolve(v, scope)] as const)
    .filter(([, v]) => v !== NO_VALUE);
  return Object.fromEntries(entries);
}

function intrinsic(name: string, argument: unknown, scope: Scope): unknown {
  const args = () => {
    if (!Array.isArray(argument)) throw new Error(`${name} takes a list`);
    return argument;
  };
  switch (name) {
    case 'Ref':
      return ref(String(argument), scope);
    case 'Fn::Sub':
      return sub(argument, scope);
    case 'Fn::GetAtt': {
      const [resource, attribute] = Array.isArray(argument) ? argument : String(argument).split('.');
      return getAtt(String(resource), String(attribute), scope);
    }
    case 'Fn::If': {
      const [condition, whenTrue, whenFalse] = args();
      return resolve(conditionHolds(String(condition), scope) ? whenTrue : whenFalse, scope);
    }
    case 'Fn::Equals': {
      const [left, right] = args().map((v) => resolve(v, scope));
      return JSON.stringify(left) === JSON.stringify(right);
    }
    case 'Fn::Not':
      return resolve(args()[0], scope) !== true;
    case 'Fn::And':
      return args().every((v) => resolve(v, scope) === true);
    case 'Fn::Or':
      return args().some((v) => resolve(v, scope) === true);
    case 'Fn::Join': {
      const [separator, list] = args();
      return (resolve(list, scope) as unknown[]).join(String(separator));
    }
    default:
      throw new Error(`${name} is not supported here`);
  }
}

function ref(name: string, scope: Scope): unknown {
  if (name === 'AWS::NoValue') return NO_VALUE;
  const value = scope.refs[name];
  if (value !== undefined) return value;
  // A resource's Ref is its physical id, which only a deployment knows: a recognizable placeholder.
  if (scope.resources.has(name)) return `<${name}>`;
  throw new Error(`Ref to unknown ${name}`);
}

function getAtt(resource: string, attribute: string, scope: Scope): string {
  if (!scope.resources.has(resource)) throw new Error(`Fn::GetAtt of unknown resource ${resource}`);
  return `<${resource}.${attribute}>`;
}

function sub(argument: unknown, scope: Scope): string {
  const [text, variables] = Array.isArray(argument) ? argument : [argument, {}];
  if (typeof text !== 'string') throw new Error('Fn::Sub takes a string');
  const locals = resolve(variables ?? {}, scope) as Record<string, unknown>;
  // ${!Literal} stays as ${Literal}; ${Name} is a variable, a Ref, or Resource.Attribute.
  return text.replace(/\$\{(!?)([^}]+)\}/g, (_, literal: string, name: string) => {
    if (literal) return `\${${name}}`;
    if (name in locals) return String(locals[name]);
    const [resource, attribute] = name.split('.');
    if (attribute !== undefined && resource !== undefined) return getAtt(resource, attribute, scope);
    return String(ref(name, scope));
  });
}
