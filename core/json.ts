// Reading JSON whose shape nothing has checked yet: policies, templates, causes and maps as written. The guard
// narrows a value before any of its fields is read, so a stray array or null is refused rather than indexed.

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
