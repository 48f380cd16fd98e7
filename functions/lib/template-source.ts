// Where the stack steps read a template version's text: the orchestrator's template registry, written by
// `crossdeploy template publish`.

import { settings } from '../../aws/settings';
import { readTemplateVersion } from '../../aws/template-registry';
import type { TemplateRef } from '../../core/contracts';
import { sharedDocumentClient } from './clients';

export type TemplateSource = (ref: TemplateRef) => Promise<{ body: string }>;

export function templateSource(): TemplateSource {
  return (ref) => readTemplateVersion(sharedDocumentClient(), settings.templatesTable(), ref);
}
