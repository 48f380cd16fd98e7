// After the packaging build: the application stack's template at the pushed commit is where the stack steps will
// read it, within CloudFormation's size, and takes every parameter the map gives it. A template that cannot is
// refused here, before any approval is asked for and before any target is touched.

import { z } from 'zod';
import { type ApplicationTemplateRef, applicationTemplateRef } from '../core/contracts';
import { ApplicationTemplateInvalid } from '../core/errors';
import { declaredParameters } from '../core/templates/parameters';
import { lambdaStep } from './lib/lambda-step';
import { logger } from './lib/powertools';
import { type ApplicationTemplateSource, applicationTemplateSource } from './lib/template-source';

const input = z.object({
  template: applicationTemplateRef,
  /** The map's parameters, per environment of the pipeline (the same for each, but checked as each deploys). */
  parameters: z.array(z.record(z.string(), z.unknown())),
});

/** What the pipeline ships in place of an image. */
export interface PackagedTemplate {
  image: null;
  template: ApplicationTemplateRef;
}

export async function checkPackagedTemplate(
  event: z.infer<typeof input>,
  templates: ApplicationTemplateSource = applicationTemplateSource(),
): Promise<PackagedTemplate> {
  const { template } = event;
  const { body } = await templates(template);
  let declared: string[];
  try {
    declared = declaredParameters(body).map((p) => p.name);
  } catch (error) {
    throw new ApplicationTemplateInvalid(`${template.name} at ${template.version}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const undeclared = [...new Set(event.parameters.flatMap(Object.keys))].filter((name) => !declared.includes(name));
  if (undeclared.length > 0) {
    throw new ApplicationTemplateInvalid(
      `${template.name} at ${template.version}: the map gives ${undeclared.map((n) => `"${n}"`).join(', ')}, ` +
        `which the template does not declare (its parameters: ${declared.join(', ') || 'none'})`,
    );
  }
  logger.info('application template packaged', { service: template.name, commit: template.version });
  return { image: null, template };
}

export const handler = lambdaStep('check-packaged-template', input, (event) => checkPackagedTemplate(event));
