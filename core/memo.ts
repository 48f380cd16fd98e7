// Reads that many rows or targets share (a role per account, a policy per repository, a template's versions): each
// is asked once, and every later asker shares the first answer, failure included.

/** `compute` once per key (`keyOf(arg)`); later calls with the same key get the same promise. */
export function memo<A, T>(
  compute: (arg: A) => Promise<T>,
  keyOf: (arg: A) => string = (arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg)),
): (arg: A) => Promise<T> {
  const known = new Map<string, Promise<T>>();
  return (arg) => {
    const key = keyOf(arg);
    let value = known.get(key);
    if (!value) {
      value = compute(arg);
      known.set(key, value);
    }
    return value;
  };
}
