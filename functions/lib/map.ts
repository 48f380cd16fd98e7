import { statSync } from 'node:fs';
import { settings } from '../../aws/settings';
import { loadMapFile } from '../../core/map/load';
import type { DeploymentMap } from '../../core/map/schema';

// The map is bundled with the functions that read it: read once per container, and again only if the file
// changed. In AWS it never does; the local runtime reads the team's own file, which `template upgrade` and the
// team edit while it runs (and several maps may be in use in one process).
const maps = new Map<string, { modified: number; map: DeploymentMap }>();

export function deploymentMap(): DeploymentMap {
  const file = settings.mapFile();
  const modified = statSync(file).mtimeMs;
  const cached = maps.get(file);
  if (cached?.modified === modified) return cached.map;
  const map = loadMapFile(file);
  maps.set(file, { modified, map });
  return map;
}
