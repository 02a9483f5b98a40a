/** Shared values of the benchmark: the session secret and a realistic session. */
import type { SessionData } from "../../packages/core/src/session/data.js";

/** The session secret every benchmark server and cookie uses. */
export const BENCH_SESSION_SECRET = "bench-session-secret-0123456789-abcdefghij";

/** A session the size of a real Polar one (emulator-shaped tokens). */
export function sampleSession(
  start: Pick<SessionData, "v" | "sid" | "cid" | "createdAt" | "touchedAt">,
): SessionData {
  return {
    ...start,
    user: {
      sub: "a11ce000-0000-4000-8000-000000000001",
      email: "alice@example.com",
      emailVerified: true,
    },
    subType: "user",
    scope: "openid profile email",
    accessToken: `polar_at_u_${"a".repeat(43)}`,
    refreshToken: `polar_rt_u_${"b".repeat(43)}`,
    expiresAt: Math.floor(Date.now() / 1000) + 3600,
  };
}

export const SERVER_KINDS = [
  "express-bare",
  "express-noop",
  "express-kit",
  "express-kit-redis",
  "express-eoc",
  "express-passport",
  "koa-bare",
  "koa-kit",
] as const;
export type ServerKind = (typeof SERVER_KINDS)[number];

/** What the parent sends once it knows the child's origin. */
export interface ServerConfigure {
  type: "configure";
  emulatorUrl: string;
  clientId: string;
  clientSecret: string;
  sessionSecret: string;
  /** The bench's own redis-server, for `express-kit-redis`. */
  redisUrl?: string | undefined;
}

/** Answer to `{ type: "stats" }`. */
export interface ServerStats {
  type: "stats";
  /** Process CPU time (user + system), microseconds. */
  cpuMicros: number;
  requests: number;
  rss: number;
}

/** The subject the bare servers answer with (same JSON shape and size as a signed-in user). */
export const BARE_SUB = "a11ce000-0000-4000-8000-000000000001";
