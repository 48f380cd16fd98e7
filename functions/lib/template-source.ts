// Where the stack steps read a template's text: a published version from the orchestrator's template registry
// (`crossdeploy template publish`), an application stack's from the artifacts bucket its packaging build wrote.

import { readApplicationTemplate } from '../../aws/artifacts';
import { settings } from '../../aws/settings';
import { readTemplateVersion } from '../../aws/template-registry';
import type { ApplicationTemplateRef, StackTemplateRef } from '../../core/contracts';
import { sharedDocumentClient, sharedS3Client } from './clients';

export type TemplateSource = (ref: StackTemplateRef) => Promise<{ body: string }>;
export type ApplicationTemplateSource = (ref: ApplicationTemplateRef) => Promise<{ body: string }>;

/** The artifacts bucket only: a step that reads no registry version needs no access to the registry. */
export function applicationTemplateSource(): ApplicationTemplateSource {
  return (ref) => readApplicationTemplate(sharedS3Client(), settings.artifactsBucket(), ref);
}

export function templateSource(): TemplateSource {
  const applications = applicationTemplateSource();
  return (ref) =>
    ref.kind === 'applications'
      ? applications(ref)
      : readTemplateVersion(sharedDocumentClient(), settings.templatesTable(), ref);
}
