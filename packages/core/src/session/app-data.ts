/**
 * The app's data from `onLogin` as every path reads it back: its JSON form (what the seal
 * holds, so a `Date` is its ISO string, `undefined` members are gone), deep-frozen. Normalised
 * once at sign-in, so a cached session, one opened from its cookie and one opened on another
 * instance give the same value, and no request can change what the next one reads.
 */
export function normaliseAppData(
  value: Record<string, unknown> | undefined,
): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  return deepFreeze(JSON.parse(JSON.stringify(value)) as Record<string, unknown>);
}

/** Freezes a JSON value and everything in it (a session opened from its seal gets this). */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== "object" || value === null || Object.isFrozen(value)) return value;
  for (const member of Object.values(value)) deepFreeze(member);
  return Object.freeze(value);
}
