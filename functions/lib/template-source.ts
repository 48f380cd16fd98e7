// Where the stack steps read a template version's text: the orchestrator's template registry, written by
// `crossdeploy template publish`.

import type { TemplateRef } from '../../core/contracts';

export type TemplateSource = (ref: TemplateRef) => Promise<{ body: string }>;

export function templateSource(): TemplateSource {
  throw new Error('the template registry is not wired yet');
}
