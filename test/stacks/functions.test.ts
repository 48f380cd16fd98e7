// The step functions' IAM table (stacks/steps.ts) held against the handlers' code, without Pulumi.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DEPLOY_ROLE, deployRoleName, logRetention, stageName } from '../../stacks/config';
import { functionPermissions, STEP_FUNCTIONS, TRACING_ACTIONS } from '../../stacks/steps';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const scope = { partition: 'aws', account: '111111111111', region: 'eu-west-1', deployRole: 'crossdeploy-deploy' };

// IAM's service prefix for each AWS SDK client the code uses.
const SERVICE_PREFIX: Record<string, string> = {
  '@aws-sdk/client-cloudwatch': 'cloudwatch',
  '@aws-sdk/client-ecr': 'ecr',
  '@aws-sdk/client-ecs': 'ecs',
  '@aws-sdk/client-sfn': 'states',
  '@aws-sdk/client-sts': 'sts',
};
// Permissions that no SDK call names but that a call needs: RegisterTaskDefinition with tags and task roles.
const IMPLIED = new Set(['ecs:TagResource', 'iam:PassRole']);

/** `service:Action` for every `new XxxCommand(` in a module and the project modules it imports. */
function sdkCalls(file: string, seen = new Set<string>()): Set<string> {
  const calls = new Set<string>();
  if (seen.has(file)) return calls;
  seen.add(file);
  const source = readFileSync(file, 'utf8');
  for (const [, names, from] of source.matchAll(/import\s+(?:type\s+)?\{([^}]*)\}\s+from\s+'([^']+)'/g)) {
    if (!from || !names) continue;
    if (from.startsWith('.')) {
      const imported = resolve(dirname(file), `${from}.ts`);
      if (existsSync(imported)) for (const call of sdkCalls(imported, seen)) calls.add(call);
      continue;
    }
    const prefix = SERVICE_PREFIX[from];
    if (from.startsWith('@aws-sdk/client-') && !prefix) throw new Error(`no IAM prefix for ${from} (${file})`);
    for (const name of names.split(',').map((n) => n.trim().replace(/^type\s+/, ''))) {
      const command = /^(\w+)Command$/.exec(name);
      if (prefix && command && new RegExp(`new\\s+${name}\\(`).test(source)) calls.add(`${prefix}:${command[1]}`);
    }
  }
  return calls;
}

describe('step functions deployed by stacks/functions.ts', () => {
  it.each(STEP_FUNCTIONS.map((spec) => [spec.file, spec] as const))(
    '%s: the IAM table lists exactly the AWS calls its code makes',
    (_, spec) => {
      const file = join(root, 'functions', `${spec.file}.ts`);
      const inCode = [...sdkCalls(file)].sort();
      const inTable = [...new Set([...spec.grants.flatMap((g) => g.actions), ...spec.asDeployRole])]
        .filter((action) => !IMPLIED.has(action))
        .sort();
      expect(inTable, `${relative(root, file)} and its imports`).toEqual(inCode);
    },
  );

  it('lets steps in target accounts assume the deploy role, in any account, and no other role', () => {
    for (const spec of STEP_FUNCTIONS) {
      const assume = functionPermissions(spec, scope).filter((s) => s.actions.includes('sts:AssumeRole'));
      const assumesInCode = sdkCalls(join(root, 'functions', `${spec.file}.ts`)).has('sts:AssumeRole');
      expect(assume, spec.id).toHaveLength(assumesInCode ? 1 : 0);
      for (const statement of assume) {
        expect(statement).toEqual({
          actions: ['sts:AssumeRole'],
          resources: ['arn:aws:iam::*:role/crossdeploy-deploy'],
        });
      }
    }
  });

  it("scopes open-ecr's repository calls to this account's repositories", () => {
    const openEcr = STEP_FUNCTIONS.find((spec) => spec.id === 'OpenEcr');
    expect(openEcr && functionPermissions(openEcr, scope)).toEqual([
      {
        actions: ['ecr:GetRepositoryPolicy', 'ecr:SetRepositoryPolicy'],
        resources: ['arn:aws:ecr:eu-west-1:111111111111:repository/*'],
      },
      { actions: ['ecr:GetRegistryPolicy', 'ecr:PutRegistryPolicy'], resources: ['*'] },
      { actions: [...TRACING_ACTIONS], resources: ['*'] },
    ]);
  });

  it('gives evaluate-wave nothing but tracing', () => {
    const evaluateWave = STEP_FUNCTIONS.find((spec) => spec.id === 'EvaluateWave');
    expect(evaluateWave && functionPermissions(evaluateWave, scope)).toEqual([
      { actions: [...TRACING_ACTIONS], resources: ['*'] },
    ]);
  });
});

describe('stack configuration', () => {
  it('takes the deploy role from CROSSDEPLOY_DEPLOY_ROLE, crossdeploy-deploy by default', () => {
    expect(deployRoleName({})).toBe(DEFAULT_DEPLOY_ROLE);
    expect(deployRoleName({ CROSSDEPLOY_DEPLOY_ROLE: ' ' })).toBe(DEFAULT_DEPLOY_ROLE);
    expect(deployRoleName({ CROSSDEPLOY_DEPLOY_ROLE: 'acme-deployer' })).toBe('acme-deployer');
    expect(() => deployRoleName({ CROSSDEPLOY_DEPLOY_ROLE: 'role/*' })).toThrow('is not an IAM role name');
  });

  it('keeps logs longer in prod', () => {
    expect(logRetention('prod')).toEqual({ name: '1 year', days: 365 });
    expect(logRetention('dev')).toEqual({ name: '1 month', days: 30 });
  });

  it('names resources per stage, within AWS limits', () => {
    expect(stageName('crossdeploy', 'dev', 'deploy-target', 80)).toBe('crossdeploy-dev-deploy-target');
    expect(() => stageName('crossdeploy', 'x'.repeat(60), 'deploy-environment-sfn', 64)).toThrow('longer than 64');
  });
});
