/**
 * A principal ARN against one pattern of the map's `skipAllowed`, where `*` matches any run of characters
 * (slashes included: assumed-role ARNs end in a session name).
 */
export function principalMatches(arn: string, pattern: string): boolean {
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`).test(arn);
}
