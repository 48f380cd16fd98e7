import { describe, expect, it } from 'vitest';
import { type DeclaredParameter, serviceStackParameters } from '../../../core/templates/wiring';

const DECLARED: DeclaredParameter[] = [
  { name: 'ClusterName', hasDefault: false },
  { name: 'Subnets', hasDefault: false },
  { name: 'ExecutionRoleArn', hasDefault: false },
  { name: 'Cpu', hasDefault: false },
  { name: 'Port', hasDefault: false },
  { name: 'DesiredCount', hasDefault: true },
];

const OUTPUTS = {
  ClusterName: 'apps',
  Subnets: 'subnet-a,subnet-b',
  ExecutionRoleArn: 'arn:aws:iam::222222222222:role/apps-task-execution',
  VpcId: 'vpc-1',
};

describe('serviceStackParameters', () => {
  it("takes the environment's outputs and the service's inputs, leaving defaults to the template", () => {
    expect(serviceStackParameters(DECLARED, OUTPUTS, { Cpu: 512, Port: 8080 })).toEqual({
      ok: true,
      parameters: [
        { ParameterKey: 'ClusterName', ParameterValue: 'apps' },
        { ParameterKey: 'Cpu', ParameterValue: '512' },
        { ParameterKey: 'ExecutionRoleArn', ParameterValue: 'arn:aws:iam::222222222222:role/apps-task-execution' },
        { ParameterKey: 'Port', ParameterValue: '8080' },
        { ParameterKey: 'Subnets', ParameterValue: 'subnet-a,subnet-b' },
      ],
    });
  });

  it.each([
    [['subnet-a', 'subnet-b'], 'subnet-a,subnet-b'],
    [true, 'true'],
    ['x', 'x'],
  ])('passes the input %j as %j', (value, expected) => {
    const wired = serviceStackParameters([{ name: 'Value', hasDefault: false }], {}, { Value: value });
    expect(wired).toEqual({ ok: true, parameters: [{ ParameterKey: 'Value', ParameterValue: expected }] });
  });

  it.each([
    [
      "an input that sets what the environment's stack provides",
      { Cpu: 512, Port: 80, ClusterName: 'mine' },
      'input "ClusterName" comes from the environment\'s stack; a service cannot set it',
    ],
    [
      'an input the template has no parameter for',
      { Cpu: 512, Port: 80, Memory: 1024 },
      'input "Memory" is not a parameter',
    ],
    ['a parameter nobody gives a value', { Cpu: 512 }, 'parameter "Port" has no value'],
  ])('refuses %s', (_, inputs, problem) => {
    const wired = serviceStackParameters(DECLARED, OUTPUTS, inputs);
    expect(wired.ok).toBe(false);
    expect(wired.ok ? [] : wired.problems).toEqual([expect.stringContaining(problem)]);
  });

  describe('with what the deployment gives the template', () => {
    const WITH_NAMES: DeclaredParameter[] = [
      ...DECLARED,
      { name: 'ServiceName', hasDefault: false },
      { name: 'Image', hasDefault: false },
    ];
    const GIVEN = {
      Image: '111111111111.dkr.ecr.us-east-1.amazonaws.com/web@sha256:ab',
      ClusterName: 'apps',
      ServiceName: 'web',
      ContainerName: 'app',
    };
    const parameterOf = (wiring: ReturnType<typeof serviceStackParameters>, key: string) =>
      wiring.ok ? wiring.parameters.find((p) => p.ParameterKey === key)?.ParameterValue : undefined;

    it.each([
      ['Image', GIVEN.Image],
      ['ServiceName', 'web'],
      ['ClusterName', 'apps'],
    ])('gives %s the value %j', (key, value) => {
      expect(parameterOf(serviceStackParameters(WITH_NAMES, OUTPUTS, { Cpu: 512, Port: 80 }, GIVEN), key)).toBe(value);
    });

    it('leaves out what the template does not declare', () => {
      const wired = serviceStackParameters(DECLARED, OUTPUTS, { Cpu: 512, Port: 80 }, GIVEN);
      expect(wired.ok ? wired.parameters.map((p) => p.ParameterKey) : []).toEqual([
        'ClusterName',
        'Cpu',
        'ExecutionRoleArn',
        'Port',
        'Subnets',
      ]);
    });

    it('takes the cluster from the deployment where the environment does not output it', () => {
      const { ClusterName: _, ...withoutCluster } = OUTPUTS;
      const wired = serviceStackParameters(WITH_NAMES, withoutCluster, { Cpu: 512, Port: 80 }, GIVEN);
      expect(parameterOf(wired, 'ClusterName')).toBe('apps');
    });

    it.each([
      [
        'an input that sets the image',
        { Cpu: 512, Port: 80, Image: 'nginx:latest' },
        GIVEN,
        'input "Image" comes from the deployment; a service cannot set it',
      ],
      [
        "a cluster the environment's stack names otherwise than the map",
        { Cpu: 512, Port: 80 },
        { ...GIVEN, ClusterName: 'demo' },
        'parameter "ClusterName" is "apps" in the environment\'s stack outputs but "demo" for this deployment',
      ],
    ])('refuses %s', (_, inputs, given, problem) => {
      const wired = serviceStackParameters(WITH_NAMES, OUTPUTS, inputs, given);
      expect(wired.ok ? [] : wired.problems).toEqual([expect.stringContaining(problem)]);
    });
  });
});
