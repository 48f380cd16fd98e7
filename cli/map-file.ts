import { resolve } from 'node:path';
import { loadMapFile, MapInvalid } from '../core/map/load';
import type { DeploymentMap } from '../core/map/schema';
import type { CliIo } from './io';

/**
 * Loads the map a command was given, or prints why it cannot: every error as `FILE:LINE  PATH  MESSAGE`,
 * naming the file the way the user wrote it so the location pastes into an editor.
 */
export function loadMapOrReport(command: string, shown: string, io: CliIo): DeploymentMap | undefined {
  try {
    return loadMapFile(resolve(io.cwd, shown));
  } catch (error) {
    if (error instanceof MapInvalid) {
      for (const e of error.errors) io.err([`${shown}:${e.line}`, e.path, e.message].filter(Boolean).join('  '));
    } else {
      io.err(`crossdeploy ${command}: ${(error as Error).message}`);
    }
    return undefined;
  }
}
