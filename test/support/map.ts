import { parseMap } from '../../core/map/load';
import type { DeploymentMap } from '../../core/map/schema';

/** The map a test's YAML describes; a map that does not parse fails the test with the parser's errors. */
export function mapOf(yaml: string): DeploymentMap {
  const parsed = parseMap(yaml);
  if (!parsed.ok) throw new Error(`test map: ${JSON.stringify(parsed.errors)}`);
  return parsed.map;
}
