// The deployment map as the stack reads it at deploy time. No Pulumi, no SST globals: the app's root is
// passed in, so a test can load the map the same way.
import { join } from 'node:path';
import { loadMapFile } from '../core/map/load';
import type { DeploymentMap } from '../core/map/schema';
import { mapBundle, mapFilePath } from './names';

export interface StackMap {
  /** The map's path relative to the app's root: also `CROSSDEPLOY_MAP_FILE` of the functions that read it. */
  file: string;
  map: DeploymentMap;
  /** What those functions carry: the map and its task definition templates (relative to the app's root). */
  bundle: string[];
}

/** Loads and validates the map (`crossdeploy validate`'s rules): an invalid map stops the deployment. */
export function loadStackMap(root: string, env: Readonly<Record<string, string | undefined>> = process.env): StackMap {
  const file = mapFilePath(env);
  const map = loadMapFile(join(root, file));
  return { file, map, bundle: mapBundle(file, map) };
}
