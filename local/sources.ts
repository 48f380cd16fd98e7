// Where the local runtime finds a service's repository: CodeBuild clones it from GitHub or CodeCommit, the local
// twin reads the clone on this machine. `crossdeploy local --sources DIR` names the folder that holds the clones,
// each under its repository's name (`acme/orders` and CodeCommit's `orders` are both `DIR/orders`).

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Set by the local stack (local/stack.ts) from `--sources`. */
export const LOCAL_SOURCES_VARIABLE = 'CROSSDEPLOY_LOCAL_SOURCES';

export class LocalSourceNotFound extends Error {
  override name = 'LocalSourceNotFound' as const;
}

/** The repository's name in a CodeBuild source location: GitHub's `https://github.com/acme/orders.git`, CodeCommit's `.../v1/repos/orders`. */
export function repositoryNameOf(location: string): string {
  const name = location
    .replace(/\.git$/, '')
    .split('/')
    .pop();
  if (!name) throw new LocalSourceNotFound(`local build: cannot tell the repository of source ${location}`);
  return name;
}

/** One file of the repository at one commit, as CodeBuild's checkout of that commit would hold it. */
export function fileAtCommit(location: string, commit: string, path: string): string {
  const folder = process.env[LOCAL_SOURCES_VARIABLE];
  if (!folder) {
    throw new LocalSourceNotFound(
      `local build: ${location} has no clone on this machine: start crossdeploy local with --sources DIR (the folder of your clones)`,
    );
  }
  const clone = join(folder, repositoryNameOf(location));
  if (!existsSync(join(clone, '.git'))) {
    throw new LocalSourceNotFound(`local build: no git clone of ${location} at ${clone}`);
  }
  try {
    return execFileSync('git', ['-C', clone, 'show', `${commit}:${path}`], {
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 16 * 1024 * 1024,
    }).toString('utf8');
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    throw new LocalSourceNotFound(`local build: no ${path} in ${clone} at ${commit}${stderr ? ` (${stderr})` : ''}`, {
      cause: error,
    });
  }
}
