import { spawnSync } from 'node:child_process';
import { delimiter } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LAMBDA_NODE_MAJOR, requireLambdaNode, UnsupportedNodeVersion } from '../../local/node-version';

const major = (version: string) => Number(version.replace(/^v/, '').split('.')[0]);

// The PATH of a plain shell: without the node_modules/.bin directories npm put in front of this process's.
const shellPath = () =>
  (process.env.PATH ?? '')
    .split(delimiter)
    .filter((dir) => !dir.includes('node_modules'))
    .join(delimiter);

describe('which Node runs crossdeploy', () => {
  it("runs the tests on Lambda's Node major", () => {
    expect(major(process.versions.node)).toBe(LAMBDA_NODE_MAJOR);
  });

  it("puts the project's Node 22 first on the PATH of npx, from a plain shell", () => {
    const run = spawnSync('npx', ['--no', '--', 'node', '--version'], {
      encoding: 'utf8',
      env: { ...process.env, PATH: shellPath() },
    });

    expect(run.status).toBe(0);
    expect(major(run.stdout.trim())).toBe(LAMBDA_NODE_MAJOR);
  });

  it('refuses to run the local runtime on an older Node, saying how to run it', () => {
    expect(() => requireLambdaNode('20.20.2')).toThrow(UnsupportedNodeVersion);
    expect(() => requireLambdaNode('20.20.2')).toThrow(/this is Node 20\.20\.2.*npx crossdeploy/);
  });

  it('runs on Node 22 and later', () => {
    expect(() => requireLambdaNode('22.23.3')).not.toThrow();
    expect(() => requireLambdaNode('24.1.0')).not.toThrow();
  });
});
