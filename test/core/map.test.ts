import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadMapFile, locator, type MapError, MapInvalid, parseMap } from '../../core/map/load';

const examplePath = fileURLToPath(new URL('../../crossdeploy.yaml', import.meta.url));
const example = readFileSync(examplePath, 'utf8');
const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/maps/${name}`, import.meta.url));

/** Replaces text that must occur exactly once, so an edit cannot silently miss. */
function edit(text: string, from: string, to: string): string {
  const at = text.indexOf(from);
  if (at < 0 || text.indexOf(from, at + 1) >= 0) throw new Error(`expected exactly one "${from}" in the map`);
  return text.slice(0, at) + to + text.slice(at + from.length);
}

/** 1-based line of the only line containing `snippet`. */
function lineOf(text: string, snippet: string): number {
  const lines = text.split('\n').flatMap((line, index) => (line.includes(snippet) ? [index + 1] : []));
  if (lines.length !== 1) throw new Error(`expected exactly one line with "${snippet}", found ${lines.length}`);
  return lines[0] as number;
}

function errorsOf(text: string, opts?: Parameters<typeof parseMap>[1]): MapError[] {
  const result = parseMap(text, opts);
  if (result.ok) throw new Error('expected the map to be invalid');
  return result.errors;
}

describe('parseMap on the example map', () => {
  it('validates the example and fills in the defaults', () => {
    const result = parseMap(example);
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    const { map } = result;
    expect(map.orchestrator).toEqual({ account: '111111111111', region: 'us-east-1' });
    expect(map.deployRole).toEqual({ name: 'crossdeploy-deploy' });
    expect(map.ecr).toEqual({});
    expect(map.services.web?.source).toEqual({ github: 'acme/web' });
    expect(map.services.web?.platforms).toEqual(['linux/amd64', 'linux/arm64']);
    expect(map.environments.dev).toEqual({
      // The schema's defaults are filled in (templates/environments/ecs-environment/v1.0/schema.json).
      template: {
        name: 'ecs-environment',
        version: 'v1.0',
        inputs: { ClusterName: 'demo', CpuArchitecture: 'X86_64', VpcCidr: '10.0.0.0/16', SubnetCidr: '10.0.1.0/24' },
      },
      waves: [
        {
          targets: [{ account: '222222222222', regions: ['us-east-1', 'eu-west-1'] }],
          maxConcurrency: 10,
          failureTolerance: 0,
        },
      ],
      bake: 60,
      health: { alarms: ['web-5xx'] },
      rollout: { timeout: 1800 },
      concurrency: 'superseded',
    });
    expect(map.environments.prod?.approval).toEqual({
      topic: 'prod-approvals',
      timeout: 86_400,
      skipAllowed: ['arn:aws:sts::111111111111:assumed-role/oncall/*'],
    });
    expect(map.environments.prod?.bake).toBe(600);
  });
});

describe('platforms', () => {
  it('builds for linux/amd64 when the service does not say', () => {
    const result = parseMap(
      edit(example, '    platforms: [linux/amd64, linux/arm64]  # dev runs on x86_64, prod on Graviton\n', ''),
    );
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.map.services.web?.platforms).toEqual(['linux/amd64']);
  });

  it('accepts arm64 alone', () => {
    const result = parseMap(edit(example, '[linux/amd64, linux/arm64]', '[linux/arm64]'));
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.map.services.web?.platforms).toEqual(['linux/arm64']);
  });
});

interface BadInput {
  name: string;
  from: string;
  to: string;
  path: string;
  /** Text on the line the error must point at. */
  at: string;
  message: RegExp;
}

const badInputs: BadInput[] = [
  {
    name: 'an unquoted account',
    from: '{ account: "222222222222"',
    to: '{ account: 222222222222',
    path: 'environments.dev.targets[0].account',
    at: 'account: 222222222222',
    message: /must be quoted strings: write "222222222222" in quotes/,
  },
  {
    name: 'a malformed orchestrator account',
    from: 'account: "111111111111"',
    to: 'account: "1111-1111-1111"',
    path: 'orchestrator.account',
    at: '1111-1111-1111',
    message: /12-digit AWS account ID/,
  },
  {
    name: 'a bad region',
    from: '"222222222222", regions: [us-east-1, eu-west-1]',
    to: '"222222222222", regions: [us-east-1, europe-west1]',
    path: 'environments.dev.targets[0].regions[1]',
    at: 'europe-west1',
    message: /"europe-west1" is not an AWS region like us-east-1/,
  },
  {
    name: 'both targets and waves',
    from: '    bake: 1m',
    to: '    bake: 1m\n    waves: [{ targets: [{ account: "444444444444", regions: [us-east-1] }] }]',
    path: 'environments.dev',
    at: '  dev:',
    message: /either targets \(one wave\) or waves, not both/,
  },
  {
    name: 'neither targets nor waves',
    from: '    waves:\n      - targets: [{ account: "333333333333", regions: [us-east-1, eu-west-1] }]\n        maxConcurrency: 10\n        failureTolerance: 0\n',
    to: '',
    path: 'environments.prod',
    at: '  prod:',
    message: /list the targets, or waves of targets/,
  },
  {
    name: 'an unknown environment in branches',
    from: 'main: [dev]                 # branch',
    to: 'main: [dev, qa]             # branch',
    path: 'services.web.branches.main[1]',
    at: 'main: [dev, qa]',
    message: /unknown environment "qa" \(environments: dev, prod\)/,
  },
  {
    name: 'a typo in a key',
    from: '    bake: 1m',
    to: '    bak: 1m',
    path: 'environments.dev.bak',
    at: 'bak: 1m',
    message: /unknown key "bak"/,
  },
  {
    name: 'a bad duration',
    from: 'bake: 10m',
    to: 'bake: 10 minutes',
    path: 'environments.prod.bake',
    at: 'bake: 10 minutes',
    message: /invalid duration "10 minutes".*like 90s, 10m, 24h or 1h30m/,
  },
  {
    name: 'a zero approval timeout',
    from: 'timeout: 24h',
    to: 'timeout: 0s',
    path: 'environments.prod.approval.timeout',
    at: 'timeout: 0s',
    message: /longer than 0s/,
  },
  {
    name: 'a region listed twice for an account',
    from: 'account: "333333333333", regions: [us-east-1, eu-west-1]',
    to: 'account: "333333333333", regions: [us-east-1, us-east-1]',
    path: 'environments.prod.waves[0].targets[0].regions[1]',
    at: 'regions: [us-east-1, us-east-1]',
    message:
      /duplicate target \(account\/region 333333333333\/us-east-1, cluster\/service demo\/web\): already listed at environments\.prod\.waves\[0\]\.targets\[0\]\.regions\[0\]/,
  },
  {
    name: "a target that overrides the cluster with the service's own",
    from: '      - { account: "222222222222", regions: [us-east-1, eu-west-1] }',
    to: '      - { account: "222222222222", regions: [us-east-1, eu-west-1] }\n      - { account: "222222222222", regions: [eu-west-1], cluster: demo }',
    path: 'environments.dev.targets[1].regions[0]',
    at: 'cluster: demo }',
    message: /duplicate target .*already listed at environments\.dev\.targets\[0\]\.regions\[1\]/,
  },
  {
    name: 'a missing key, reported on the line of its parent',
    from: '    container: app                # container whose image each deploy replaces\n',
    to: '',
    path: 'services.web.container',
    at: '  web:',
    message: /^required$/,
  },
  {
    name: 'a service name with capitals',
    from: '  web:',
    to: '  Web:',
    path: 'services.Web',
    at: '  Web:',
    message: /invalid name "Web": names use lowercase letters, digits and hyphens/,
  },
  {
    name: 'two sources',
    from: '{ github: acme/web }',
    to: '{ github: acme/web, codecommit: web }',
    path: 'services.web.source',
    at: 'codecommit: web }',
    message: /exactly one of \{ github: owner\/repo \} or \{ codecommit: repo-name \}/,
  },
  {
    name: 'a wave without concurrency',
    from: 'maxConcurrency: 10',
    to: 'maxConcurrency: 0',
    path: 'environments.prod.waves[0].maxConcurrency',
    at: 'maxConcurrency: 0',
    message: /Too small/,
  },
  {
    name: 'a probe that is not an http(s) URL',
    from: '    health: { alarms: [web-5xx] }\n  prod:',
    to: '    health: { alarms: [web-5xx], probe: "ftp://example.com" }\n  prod:',
    path: 'environments.dev.health.probe',
    at: 'ftp://example.com',
    message: /probe must be an http\(s\) URL/,
  },
  {
    name: 'a probe of a private address, which the probe Lambda outside any VPC cannot reach',
    from: '    health: { alarms: [web-5xx] }\n  prod:',
    to: '    health: { alarms: [web-5xx], probe: "http://10.0.3.17/health" }\n  prod:',
    path: 'environments.dev.health.probe',
    at: 'http://10.0.3.17/health',
    message: /10\.0\.3\.17 is a private \(RFC 1918\) address.*outside any VPC.*Probe a public health endpoint/,
  },
  {
    name: 'a probe of an internal load balancer',
    from: '    health: { alarms: [web-5xx] }\n  prod:',
    to: '    health: { alarms: [web-5xx], probe: "http://internal-web-1.us-east-1.elb.amazonaws.com/health" }\n  prod:',
    path: 'environments.dev.health.probe',
    at: 'http://internal-web-1',
    message: /internal load balancer/,
  },
  {
    name: 'a deploy role object with a typo',
    from: 'deployRole: crossdeploy-deploy',
    to: 'deployRole: { nam: crossdeploy-deploy }',
    path: 'deployRole',
    at: 'deployRole:',
    message: /deployRole is a role name, or \{ name: role-name, externalId: \.\.\. \}/,
  },
  {
    name: 'a malformed organization ID',
    from: 'deployRole: crossdeploy-deploy',
    to: 'deployRole: crossdeploy-deploy\necr:\n  principalOrgId: org-acme',
    path: 'ecr.principalOrgId',
    at: 'principalOrgId: org-acme',
    message: /AWS Organizations ID/,
  },
  {
    name: 'the removed ecr.registryPolicy, saying why',
    from: 'deployRole: crossdeploy-deploy',
    to: 'deployRole: crossdeploy-deploy\necr:\n  registryPolicy: true',
    path: 'ecr.registryPolicy',
    at: 'registryPolicy: true',
    message:
      /ecr\.registryPolicy was removed: it granted the target accounts ecr:ReplicateImage and ecr:CreateRepository/,
  },
  {
    name: 'a malformed OU path',
    from: 'deployRole: crossdeploy-deploy',
    to: 'deployRole: crossdeploy-deploy\necr:\n  principalOrgPaths: [ou-ab12-11111111]',
    path: 'ecr.principalOrgPaths[0]',
    at: 'principalOrgPaths',
    message: /must be an OU path like o-a1b2c3d4e5\/r-ab12\/ou-ab12-11111111\//,
  },
  {
    name: 'a branch name that needs quoting in the path',
    from: 'production: [prod]',
    to: 'production: [prod]\n      "release/1.0": [qa]',
    path: 'services.web.branches["release/1.0"][0]',
    at: 'release/1.0',
    message: /unknown environment "qa"/,
  },
  {
    name: 'a platform crossdeploy does not build',
    from: '    platforms: [linux/amd64, linux/arm64]',
    to: '    platforms: [linux/amd64, linux/arm/v7]',
    path: 'services.web.platforms[1]',
    at: 'platforms:',
    message: /"linux\/arm\/v7" is not a platform crossdeploy builds \(use linux\/amd64 or linux\/arm64\)/,
  },
  {
    name: 'a platform listed twice',
    from: '    platforms: [linux/amd64, linux/arm64]',
    to: '    platforms:\n      - linux/arm64\n      - linux/arm64 # again',
    path: 'services.web.platforms[1]',
    at: 'linux/arm64 # again',
    message: /platform "linux\/arm64" is listed twice/,
  },
  {
    name: 'an empty platform list',
    from: '    platforms: [linux/amd64, linux/arm64]',
    to: '    platforms: []',
    path: 'services.web.platforms',
    at: 'platforms: []',
    message: /list at least one platform \(linux\/amd64, linux\/arm64\)/,
  },
  {
    name: 'a YAML syntax error',
    from: 'deployRole: crossdeploy-deploy',
    to: 'deployRole: "crossdeploy-deploy',
    path: '',
    at: 'deployRole:',
    message: /Missing closing "quote/,
  },
  {
    name: 'a key given twice',
    from: '    bake: 10m',
    to: '    bake: 10m\n    bake: 5m',
    path: '',
    at: 'bake: 5m',
    message: /Map keys must be unique/,
  },
];

describe('parseMap on bad input', () => {
  it.each(badInputs)('reports $name with its path and line', ({ from, to, path, at, message }) => {
    const text = edit(example, from, to);
    expect(errorsOf(text)).toEqual([{ path, line: lineOf(text, at), message: expect.stringMatching(message) }]);
  });

  it('reports every mistake at once, in line order', () => {
    let text = edit(example, '{ account: "222222222222"', '{ account: 222222222222');
    text = edit(text, 'main: [dev]                 # branch', 'main: [dev, qa]             # branch');
    text = edit(text, '    bake: 1m', '    bak: 1m');
    text = edit(text, 'bake: 10m', 'bake: ten');
    expect(errorsOf(text).map((e) => [e.line, e.path])).toEqual([
      [lineOf(text, 'main: [dev, qa]'), 'services.web.branches.main[1]'],
      [lineOf(text, '{ account: 222222222222'), 'environments.dev.targets[0].account'],
      [lineOf(text, 'bak: 1m'), 'environments.dev.bak'],
      [lineOf(text, 'bake: ten'), 'environments.prod.bake'],
    ]);
  });

  it('checks environments no service deploys to for duplicate targets', () => {
    const text = edit(
      example,
      'environments:\n',
      'environments:\n' +
        '  spare:\n' +
        '    targets:\n' +
        '      - { account: "444444444444", regions: [us-east-1] }\n' +
        '      - { regions: [us-east-1], account: "444444444444" }\n',
    );
    expect(errorsOf(text)).toEqual([
      {
        path: 'environments.spare.targets[1].regions[0]',
        line: lineOf(text, '{ regions: [us-east-1], account'),
        message:
          'duplicate target (account/region 444444444444/us-east-1): already listed at environments.spare.targets[0].regions[0]',
      },
    ]);
  });

  it('accepts the same account and region twice when the targets name different services', () => {
    const text = edit(
      example,
      '      - { account: "222222222222", regions: [us-east-1, eu-west-1] }',
      '      - { account: "222222222222", regions: [us-east-1, eu-west-1] }\n' +
        '      - { account: "222222222222", regions: [us-east-1], service: web-canary }',
    );
    expect(parseMap(text).ok).toBe(true);
  });

  it('reports an alias to an anchor that does not exist', () => {
    expect(errorsOf(`${example}extra: *nowhere\n`)).toEqual([
      { path: '', line: 1, message: expect.stringMatching(/Unresolved alias .*nowhere/) },
    ]);
  });

  it('says an empty document is not a map', () => {
    expect(errorsOf('')).toEqual([{ path: '', line: 1, message: 'the map must be a YAML mapping of settings' }]);
  });
});

describe('task definition templates', () => {
  const withTemplate = edit(
    example,
    '    template:                     # its first push',
    '    taskDefinition: tasks/web.json\n    template:                     # its first push',
  );
  const templateLine = lineOf(withTemplate, 'taskDefinition:');
  const template = { family: 'web', containerDefinitions: [{ name: 'app', image: 'placeholder' }] };
  // The example's own template schemas, wherever the test puts the map: only the task definition file is made up.
  const schemas = (readTask: (path: string) => string) => (path: string) =>
    path.endsWith('schema.json')
      ? readFileSync(fileURLToPath(new URL(`../../templates/${path.split('/templates/')[1]}`, import.meta.url)), 'utf8')
      : readTask(path);

  it('reads the template relative to the map file and keeps it on the service', () => {
    const read: string[] = [];
    const result = parseMap(withTemplate, {
      file: '/repo/deploy/crossdeploy.yaml',
      readFile: schemas((path) => {
        read.push(path);
        return JSON.stringify(template);
      }),
    });
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(read).toEqual(['/repo/deploy/tasks/web.json']);
    expect(result.map.services.web?.taskDefinitionTemplate).toEqual(template);
  });

  it.each([
    {
      problem: 'a missing file',
      readFile: () => {
        throw Object.assign(new Error('ENOENT: no such file or directory'), { code: 'ENOENT' });
      },
      message: /task definition template \/repo\/tasks\/web.json does not exist/,
    },
    { problem: 'invalid JSON', readFile: () => '{ "family": ', message: /cannot load task definition template .*JSON/ },
    { problem: 'a JSON array', readFile: () => '[]', message: /must be a JSON object/ },
    {
      problem: "a template without the service's container",
      readFile: () => JSON.stringify({ containerDefinitions: [{ name: 'sidecar' }] }),
      message: /has no container "app" in containerDefinitions \(containers: sidecar\)/,
    },
  ])('reports $problem on the taskDefinition line', ({ readFile, message }) => {
    expect(errorsOf(withTemplate, { file: '/repo/crossdeploy.yaml', readFile: schemas(readFile) })).toEqual([
      { path: 'services.web.taskDefinition', line: templateLine, message: expect.stringMatching(message) },
    ]);
  });
});

describe('loadMapFile', () => {
  it('loads a map and its template from disk', () => {
    const map = loadMapFile(fixture('valid.yaml'));
    expect(map.services.api?.taskDefinitionTemplate).toMatchObject({ family: 'api' });
    expect(map.deployRole).toEqual({ name: 'crossdeploy-deploy', externalId: 'acme-crossdeploy' });
  });

  it('says plainly when the file does not exist', () => {
    expect(() => loadMapFile(fixture('nope.yaml'))).toThrow(/deployment map .*nope\.yaml does not exist/);
  });

  it('throws MapInvalid listing each error as file:line path: message', () => {
    const file = fixture('invalid.yaml');
    let thrown: unknown;
    try {
      loadMapFile(file);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(MapInvalid);
    const error = thrown as MapInvalid;
    expect(error.name).toBe('MapInvalid');
    expect(error.errors).toHaveLength(4);
    expect(error.message.split('\n')).toEqual([
      `${file} is not a valid deployment map:`,
      ...error.errors.map((e) => `${file}:${e.line} ${e.path}: ${e.message}`),
    ]);
  });
});

describe('locate', () => {
  const map = edit(example, 'production: [prod]', '"release/1.0": [prod]');
  // dev lists its targets with the shorthand: `targets:` is the line above its one target.
  const devTarget = lineOf(map, '"222222222222"');

  it.each([
    ['a wave of an environment written with waves', 'environments.prod.waves[0]', lineOf(map, '- targets:')],
    ['a branch that is not a plain word', 'services.web.branches["release/1.0"]', lineOf(map, 'release/1.0')],
  ])('points at %s', (_, path, line) => {
    expect(locator(map)(path)).toEqual({ path, line });
  });

  it.each([
    ['its one wave as targets', 'environments.dev.waves[0]', 'environments.dev.targets', devTarget - 1],
    [
      "that wave's targets as its own",
      'environments.dev.waves[0].targets[0]',
      'environments.dev.targets[0]',
      devTarget,
    ],
  ])('names, in an environment written with the targets shorthand, %s', (_, path, written, line) => {
    expect(locator(map)(path)).toEqual({ path: written, line });
  });
});
