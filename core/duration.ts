// Durations in the map are written the way people say them ("10m", "1h30m") and carried as whole seconds,
// the unit Step Functions Wait states and the check-loop budgets use.

/** Hours, minutes and seconds in that order, each optional but at least one present: 90s, 10m, 24h, 1h30m, 0s. */
export const DURATION_PATTERN = /^(?=\d)(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

const UNITS: ReadonlyArray<readonly [suffix: string, seconds: number]> = [
  ['h', 3600],
  ['m', 60],
  ['s', 1],
];

export function durationProblem(text: unknown): string {
  return (
    `invalid duration ${JSON.stringify(text)}: write whole numbers with units h, m, s in that order, ` +
    'like 90s, 10m, 24h or 1h30m'
  );
}

/** Seconds in `text`; throws with the accepted forms when `text` is not a duration. */
export function parseDuration(text: string): number {
  const match = DURATION_PATTERN.exec(text);
  if (!match) throw new Error(durationProblem(text));
  const [, hours = '0', minutes = '0', seconds = '0'] = match;
  return Number(hours) * 3600 + Number(minutes) * 60 + Number(seconds);
}

/** The shortest text `parseDuration` reads back as `seconds`: 5400 -> "1h30m", 0 -> "0s". */
export function formatDuration(seconds: number): string {
  if (!Number.isInteger(seconds) || seconds < 0) {
    throw new Error(`cannot format ${seconds} as a duration: expected a whole number of seconds >= 0`);
  }
  if (seconds === 0) return '0s';
  let rest = seconds;
  let text = '';
  for (const [suffix, size] of UNITS) {
    const count = Math.floor(rest / size);
    rest -= count * size;
    if (count > 0) text += `${count}${suffix}`;
  }
  return text;
}
