// The parameters a CloudFormation template declares, read from its text. CloudFormation's short-form intrinsics
// (`!Ref`, `!Sub`, ...) are YAML tags no YAML library knows; they only appear below `Resources` and `Outputs`, so
// they are left unresolved and the `Parameters` section read as plain data.

import { parseDocument } from 'yaml';
import type { DeclaredParameter } from './wiring';

export function declaredParameters(templateBody: string): DeclaredParameter[] {
  const document = parseDocument(templateBody);
  if (document.errors.length > 0) {
    throw new Error(`the template is not YAML or JSON: ${document.errors[0]?.message ?? 'unreadable'}`);
  }
  const template = document.toJS() as { Parameters?: Record<string, { Default?: unknown } | null> } | null;
  return Object.entries(template?.Parameters ?? {}).map(([name, declaration]) => ({
    name,
    hasDefault: declaration !== null && typeof declaration === 'object' && 'Default' in declaration,
  }));
}
