import type { CliIo } from '../../cli/io';

/** A command's io with `cwd` as its working directory, and the lines it printed to each stream, in order. */
export function capture(cwd: string) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (line) => out.push(line), err: (line) => err.push(line), cwd };
  return { io, out, err };
}
