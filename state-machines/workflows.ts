// Every workflow's source, by the name of the `.asl.json` file it is written to (`npm run asl`).

import type { State } from './asl';
import { definition as deployEnvironment } from './deploy-environment';
import { definition as deployStack } from './deploy-stack';
import { definition as deployTarget } from './deploy-target';
import { definition as pipeline } from './pipeline';
import { definition as rollbackStack } from './rollback-stack';
import { definition as rollbackTarget } from './rollback-target';

export const WORKFLOW_SOURCES: Readonly<Record<string, State>> = {
  'rollback-target': rollbackTarget,
  'deploy-target': deployTarget,
  'rollback-stack': rollbackStack,
  'deploy-stack': deployStack,
  'deploy-environment': deployEnvironment,
  pipeline,
};
