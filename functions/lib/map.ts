import { settings } from '../../aws/settings';
import { loadMapFile } from '../../core/map/load';
import type { DeploymentMap } from '../../core/map/schema';

// The map is bundled with the functions that read it: read once per container (per file, for the local
// runtime's sake, where several maps may be in use in one process).
const maps = new Map<string, DeploymentMap>();

export function deploymentMap(): DeploymentMap {
  const file = settings.mapFile();
  const map = maps.get(file) ?? loadMapFile(file);
  maps.set(file, map);
  return map;
}
