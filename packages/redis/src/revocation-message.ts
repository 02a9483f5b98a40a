/**
 * The revocation channel's messages: `<until> <sessionId>` for a revocation written to Redis,
 * `<until> <sessionId> pending` for one that could not be written yet (every instance that
 * sees it keeps it and retries the write), and `*` asking every instance to reload.
 */
export interface RevocationMessage {
  sessionId: string;
  /** Epoch second the session would expire anyway. */
  until: number;
  /** Not in Redis yet: whoever sees it writes it until it lands. */
  pending: boolean;
}

/** The message asking every instance to reload its mirror. */
export const RELOAD = "*";

/** Session ids the kit makes (base64url) and a little room for an app's own in `revokeSession`. */
const SESSION_ID = /^[\w.:-]{1,128}$/;
/** Tolerated clock difference between instances, in seconds. */
const SKEW_SECONDS = 300;

/** The channel form of a revocation. */
export function formatRevocation(message: RevocationMessage): string {
  return `${message.until} ${message.sessionId}${message.pending ? " pending" : ""}`;
}

/**
 * Reads a channel message; undefined for anything malformed, already expired, or ending
 * further away than a session can live (`horizonSeconds`): a shared Redis user publishing junk
 * cannot make the mirrors hold it.
 */
export function parseRevocation(
  message: string,
  nowSeconds: number,
  horizonSeconds: number,
): RevocationMessage | undefined {
  const parts = message.split(" ");
  if (parts.length < 2 || parts.length > 3) return undefined;
  const [untilText, sessionId, flag] = parts as [string, string, string | undefined];
  if (!/^\d{1,12}$/.test(untilText) || !SESSION_ID.test(sessionId)) return undefined;
  if (flag !== undefined && flag !== "pending") return undefined;
  const until = Number(untilText);
  if (until < nowSeconds || until > nowSeconds + horizonSeconds + SKEW_SECONDS) return undefined;
  return { sessionId, until, pending: flag === "pending" };
}
