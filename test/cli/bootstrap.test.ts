import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { run as bootstrap } from '../../cli/bootstrap';
import type { CliIo } from '../../cli/io';

const template = readFileSync(fileURLToPath(new URL('../../stacks/target-account.yaml', import.meta.url)), 'utf8');

// A working directory with no crossdeploy files: the template comes with the CLI, not from where it runs.
function capture(cwd = tmpdir()) {
  let stdout = '';
  const err: string[] = [];
  const io: CliIo = { out: (line) => (stdout += `${line}\n`), err: (line) => err.push(line), cwd };
  return { io, err, stdout: () => stdout };
}

describe('crossdeploy bootstrap', () => {
  it('--print writes the target-account template to stdout byte for byte and exits 0', async () => {
    const { io, err, stdout } = capture();
    expect(await bootstrap(['--print'], io)).toBe(0);
    expect(stdout()).toBe(template);
    expect(err).toEqual([]);
  });

  it.each([[[]], [['--deploy']], [['--print', 'extra']]])('exits 2 with usage for %j', async (args) => {
    const { io, err, stdout } = capture();
    expect(await bootstrap(args, io)).toBe(2);
    expect(stdout()).toBe('');
    expect(err.join('\n')).toMatch(/usage: crossdeploy bootstrap --print/);
  });

  it('--help explains the command on stdout and exits 0', async () => {
    const { io, stdout } = capture();
    expect(await bootstrap(['--help'], io)).toBe(0);
    expect(stdout()).toMatch(/^usage: crossdeploy bootstrap --print[\s\S]*service-managed StackSet/);
  });
});
