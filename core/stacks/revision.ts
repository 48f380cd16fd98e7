// What a stack ran before a deployment, read from the stack itself: crossdeploy tags every stack it deploys with
// the template version, so the rollback knows which version and which parameters to bring back.

import { type StackRevision, stackTemplateRef } from '../contracts';

export const STACK_TAGS = {
  template: 'crossdeploy:template',
  version: 'crossdeploy:template-version',
  deployment: 'crossdeploy:deployment',
} as const;

interface DescribedStack {
  parameters: { ParameterKey: string; ParameterValue: string }[];
  tags: Record<string, string>;
}

/**
 * Nothing for a stack that does not exist yet (the rollback deletes it) or one crossdeploy did not tag. A published
 * template's version is `vN.M`, an application's the commit its template was packaged from.
 */
export function stackRevisionOf(stack: DescribedStack | undefined): StackRevision {
  const [kind, name] = (stack?.tags[STACK_TAGS.template] ?? '').split('/');
  const template = stackTemplateRef.safeParse({ kind, name, version: stack?.tags[STACK_TAGS.version] });
  if (!stack || !template.success) return { template: null, parameters: stack?.parameters ?? [] };
  return { template: template.data, parameters: stack.parameters };
}
