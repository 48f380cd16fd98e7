// What a stack ran before a deployment, read from the stack itself: crossdeploy tags every stack it deploys with
// the template version, so the rollback knows which version and which parameters to bring back.

import { type StackParameter, type StackParameterValue, type StackRevision, stackTemplateRef } from '../contracts';

export const STACK_TAGS = {
  template: 'crossdeploy:template',
  version: 'crossdeploy:template-version',
  deployment: 'crossdeploy:deployment',
} as const;

interface DescribedStack {
  parameters: StackParameterValue[];
  tags: Record<string, string>;
}

/**
 * Nothing for a stack that does not exist yet (the rollback deletes it) or one crossdeploy did not tag. A published
 * template's version is `vN.M`, an application's the commit its template was packaged from.
 */
export function stackRevisionOf(stack: DescribedStack | undefined): StackRevision {
  const [kind, name] = (stack?.tags[STACK_TAGS.template] ?? '').split('/');
  const template = stackTemplateRef.safeParse({ kind, name, version: stack?.tags[STACK_TAGS.version] });
  const parameters = (stack?.parameters ?? []).map(restorable);
  if (!stack || !template.success) return { template: null, parameters };
  return { template: template.data, parameters };
}

/**
 * DescribeStacks answers a NoEcho parameter's value as asterisks
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html): put back, they
 * would become its value. The stack keeps the value it has instead, which the rollback cannot bring back when the
 * deployment it undoes changed it.
 */
function restorable(parameter: StackParameterValue): StackParameter {
  return parameter.ParameterValue === MASKED
    ? { ParameterKey: parameter.ParameterKey, UsePreviousValue: true }
    : parameter;
}

const MASKED = '****';
