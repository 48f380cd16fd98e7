// What a stack ran before a deployment, read from the stack itself: crossdeploy tags every stack it deploys with
// the template version, so the rollback knows which version and which parameters to bring back.

import type { StackRevision } from '../contracts';
import { TEMPLATE_KINDS, type TemplateKind } from '../templates/catalog';
import { parseVersion } from '../templates/version';

export const STACK_TAGS = {
  template: 'crossdeploy:template',
  version: 'crossdeploy:template-version',
  deployment: 'crossdeploy:deployment',
} as const;

interface DescribedStack {
  parameters: { ParameterKey: string; ParameterValue: string }[];
  tags: Record<string, string>;
}

/** Nothing for a stack that does not exist yet (the rollback deletes it) or one crossdeploy did not tag. */
export function stackRevisionOf(stack: DescribedStack | undefined): StackRevision {
  const [kind, name] = (stack?.tags[STACK_TAGS.template] ?? '').split('/');
  const version = stack?.tags[STACK_TAGS.version];
  if (!stack || !kind || !name || !version || !TEMPLATE_KINDS.includes(kind as TemplateKind)) {
    return { template: null, parameters: stack?.parameters ?? [] };
  }
  parseVersion(version);
  return { template: { kind: kind as TemplateKind, name, version }, parameters: stack.parameters };
}
