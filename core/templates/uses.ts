// Where the map uses templates: an environment's `template:` (its own stack) and a service's (its instances).
// Loading the map checks each use's inputs, the stack bundles each use's schema, `template upgrade` moves them.

import { TEMPLATE_KINDS, type TemplateKind } from './catalog';

export interface TemplateUse<T> {
  kind: TemplateKind;
  /** The environment's or the service's name. */
  instance: string;
  /** The map's own `template:` object, not a copy. */
  template: T;
}

/** Every template use in the map, environments first, each section in map order. */
export function templateUses<T>(map: Record<TemplateKind, Record<string, { template?: T }>>): TemplateUse<T>[] {
  return TEMPLATE_KINDS.flatMap((kind) =>
    Object.entries(map[kind]).flatMap(([instance, { template }]) =>
      template === undefined ? [] : [{ kind, instance, template }],
    ),
  );
}
