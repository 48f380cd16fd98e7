// Template versions as a platform team publishes them: `templates/<kind>/<name>/vN.M/`. A minor version keeps its
// major's inputs working (core/templates/compatibility.ts), so an instance may move to any later minor of its major
// on its own; a new major may change the inputs and moves only when someone asks for it.

export interface TemplateVersion {
  major: number;
  minor: number;
}

export class InvalidTemplateVersion extends Error {
  override name = 'InvalidTemplateVersion' as const;
  constructor(text: string) {
    super(`"${text}" is not a template version: write v<major>.<minor>, e.g. v1.0 or v2.3`);
  }
}

export const VERSION_PATTERN = /^v(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})$/;

export function parseVersion(text: string): TemplateVersion {
  const match = VERSION_PATTERN.exec(text);
  if (!match) throw new InvalidTemplateVersion(text);
  return { major: Number(match[1]), minor: Number(match[2]) };
}

export const formatVersion = (version: TemplateVersion): string => `v${version.major}.${version.minor}`;

export function compareVersions(a: TemplateVersion, b: TemplateVersion): number {
  return a.major - b.major || a.minor - b.minor;
}

/** The newest published minor of `major`, or undefined when the major has none. */
export function latestInMajor(published: readonly TemplateVersion[], major: number): TemplateVersion | undefined {
  return [...published]
    .filter((v) => v.major === major)
    .sort(compareVersions)
    .at(-1);
}

/** What an instance on `current` may move to: the newest minor of its major, and the newest major if later. */
export function availableUpgrades(
  published: readonly TemplateVersion[],
  current: TemplateVersion,
): { minor?: TemplateVersion; major?: TemplateVersion } {
  const minor = latestInMajor(published, current.major);
  const newest = [...published].sort(compareVersions).at(-1);
  return {
    ...(minor && compareVersions(minor, current) > 0 ? { minor } : {}),
    ...(newest && newest.major > current.major ? { major: newest } : {}),
  };
}
