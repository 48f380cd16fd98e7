// The deploy role in every target account trusts tools-account roles by name (aws:PrincipalArn against
// OrchestratorRoleNamePattern, crossdeploy-<stage>-*). Those names are not ours: SST gives each function's role
// one. Here they come from SST's own naming code (.sst/platform/src/components/naming.ts, written by
// `npm run typecheck:infra`), not from a copy of it, and are held against the pattern the StackSet is given.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orchestratorRoleNamePattern, sstRoleName } from '../../core/iam/target-account';
import { stageName } from '../../stacks/config';
import { ASSUME_DEPLOY_ROLE, type FunctionSpec, STEP_FUNCTIONS } from '../../stacks/steps';
import { TRIGGERED_FUNCTIONS } from '../../stacks/triggered';
import { targetAccountResources } from '../support/target-account';
import { root } from './code';

const APP = 'crossdeploy';
const PLATFORM = join(root, '.sst/platform/src/components');

interface SstNaming {
  physicalName(max: number, name: string, suffix?: string): string;
}

/** Every function whose role assumes the deploy role: its role name must match the pattern. */
const assumers = ([...STEP_FUNCTIONS, ...TRIGGERED_FUNCTIONS] as readonly FunctionSpec[]).filter((spec) =>
  spec.grants.includes(ASSUME_DEPLOY_ROLE),
);
const ALL_IDS = [...STEP_FUNCTIONS, ...TRIGGERED_FUNCTIONS].map((spec) => spec.id);

let naming: SstNaming;
const saved = (globalThis as Record<string, unknown>).$app;

/** The role SST creates for `new sst.aws.Function(`${id}Function`)` in `stage`, random suffix included. */
function sstRole(stage: string, id: string): string {
  (globalThis as Record<string, unknown>).$app = { name: APP, stage };
  return naming.physicalName(64, `${id}FunctionRole`);
}

/** IAM's ArnLike/StringLike wildcards: `*` any run of characters, `?` one character. */
const glob = (pattern: string) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replaceAll('*', '.*')
      .replaceAll('?', '.')}$`,
  );

beforeAll(async () => {
  const file = join(PLATFORM, 'naming.ts');
  if (!existsSync(file)) {
    throw new Error(`${file} is missing: run \`npm run typecheck:infra\` (it runs \`sst install\`, offline)`);
  }
  // Not a literal import: the project's tsc would check SST's source with the project's options.
  naming = (await import(/* @vite-ignore */ file)) as SstNaming;
});

afterAll(() => {
  (globalThis as Record<string, unknown>).$app = saved;
});

describe("SST's names for the functions' roles", () => {
  it('are what sst.aws.Function asks for: its component name + "Role", named by the 64-character IAM rule', () => {
    // The two facts the names below rest on, read from the SST source the app deploys with.
    const fn = readFileSync(join(PLATFORM, 'aws/function.ts'), 'utf8');
    expect(fn).toMatch(/new iam\.Role\(\s*\.\.\.transform\(\s*args\.transform\?\.role,\s*`\$\{name\}Role`/);
    const component = readFileSync(join(PLATFORM, 'component.ts'), 'utf8');
    expect(component).toContain('"aws:iam/role:Role": ["name", 64]');
    expect(component).toMatch(/physicalName\(length, args\.name, suffix\)/);
  });

  it('look like crossdeploy-<stage>-<Id>FunctionRole-<8 random>, within IAM limits', () => {
    for (const id of ALL_IDS) {
      const role = sstRole('prod', id);
      expect(role).toMatch(new RegExp(`^crossdeploy-prod-${id}FunctionRole-[a-z]{8}$`));
      expect(role).toMatch(/^[\w+=,.@-]{1,64}$/);
    }
  });

  it("are predicted by core/iam/target-account.ts's sstRoleName for every stage length", () => {
    for (let length = 1; length <= 60; length++) {
      const stage = 'abcdefghij'.repeat(6).slice(0, length);
      for (const id of ALL_IDS) {
        const real = sstRole(stage, id);
        expect(real.slice(0, -9), `${stage}/${id}`).toBe(sstRoleName(APP, stage, `${id}Function`));
      }
    }
  });

  it("match the StackSet's pattern whenever it is given one, and the pattern is refused when one would not", () => {
    let accepted = 0;
    for (let length = 1; length <= 60; length++) {
      const stage = 'p'.repeat(length);
      let pattern: string | undefined;
      try {
        pattern = orchestratorRoleNamePattern(
          APP,
          stage,
          assumers.map((spec) => spec.id),
        );
      } catch {
        // Refused: then SST really does cut the prefix from at least one of them.
        const prefix = `${APP}-${stage}-`;
        expect(
          assumers.some((spec) => !sstRole(stage, spec.id).startsWith(prefix)),
          stage,
        ).toBe(true);
        continue;
      }
      accepted++;
      expect(pattern).toBe(`${APP}-${stage}-*`);
      for (const spec of assumers) expect(sstRole(stage, spec.id), `${stage}/${spec.id}`).toMatch(glob(pattern));
      // The doctor's role is named by the stack (stacks/doctor.ts), inside the same pattern.
      let doctor: string | undefined;
      try {
        doctor = stageName(APP, stage, 'doctor', 64);
      } catch {
        doctor = undefined;
      }
      if (doctor) expect(doctor).toMatch(glob(pattern));
    }
    // SST keeps "crossdeploy-<stage>-" whole in RegisterTaskDefinitionFunctionRole-<random> (the longest)
    // only up to 8 characters of stage: docs/deploying.md says so.
    expect(accepted).toBe(8);
    expect(() => orchestratorRoleNamePattern(APP, 'staging9', ['RegisterTaskDefinition'])).not.toThrow();
    expect(() => orchestratorRoleNamePattern(APP, 'staging10', ['RegisterTaskDefinition'])).toThrow('shorter stage');
  });
});

describe('the deploy role trusts the roles SST really creates', () => {
  const trust = (pattern: string) => {
    const role = targetAccountResources('222222222222', { OrchestratorRoleNamePattern: pattern }).DeployRole;
    if (!role) throw new Error('no DeployRole in the stack');
    return (role.Properties as { AssumeRolePolicyDocument: Record<string, unknown> }).AssumeRolePolicyDocument;
  };
  const assume = async (roleName: string, pattern: string) => {
    const principal = `arn:aws:iam::111111111111:role/${roleName}`;
    const result = await runSimulation(
      {
        request: {
          principal,
          action: 'sts:AssumeRole',
          resource: { resource: 'arn:aws:iam::222222222222:role/crossdeploy-deploy', accountId: '222222222222' },
          contextVariables: {
            'aws:PrincipalArn': principal,
            'aws:PrincipalAccount': '111111111111',
            'aws:PrincipalOrgID': 'o-a1b2c3d4e5',
          },
        },
        identityPolicies: [
          {
            name: 'own',
            policy: {
              Version: '2012-10-17',
              Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }],
            },
          },
        ],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy: trust(pattern) as never,
      },
      {},
    );
    if (result.resultType === 'error') throw new Error(JSON.stringify(result.errors));
    return result.overallResult;
  };

  it.each(assumers.map((spec) => spec.id))("admits prod's %s role, by the name SST gives it", async (id) => {
    const pattern = orchestratorRoleNamePattern(APP, 'prod', [id]);
    expect(await assume(sstRole('prod', id), pattern)).toBe('Allowed');
  });

  it("refuses another stage's roles (dev's, for a prod StackSet)", async () => {
    const pattern = orchestratorRoleNamePattern(APP, 'prod', []);
    expect(await assume(sstRole('dev', 'UpdateService'), pattern)).toBe('ImplicitlyDenied');
  });

  it('admits every stage with the template default crossdeploy-*, as docs/deploying.md says', async () => {
    expect(await assume(sstRole('dev', 'UpdateService'), 'crossdeploy-*')).toBe('Allowed');
    expect(await assume(sstRole('prod', 'UpdateService'), 'crossdeploy-*')).toBe('Allowed');
  });

  it('admits a stage whose name starts with the prod stage and a hyphen: pick stage names that do not', async () => {
    // IAM patterns cannot tell crossdeploy-prod-<Id> from crossdeploy-prod-eu-<Id> (docs/deploying.md, step 3).
    const pattern = orchestratorRoleNamePattern(APP, 'prod', []);
    expect(await assume(sstRole('prod-eu', 'UpdateService'), pattern)).toBe('Allowed');
  });
});
