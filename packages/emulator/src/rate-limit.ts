import type { RateLimitOption, RateLimits } from "./types.js";

/**
 * The seed's documented hourly limits (registration 10/h per user, authorization 60/h and token
 * 100/h per client), which Polar's code has no counterpart for: used only when `rateLimits` is
 * an object, which overrides single ones.
 */
export const SEED_RATE_LIMITS: RateLimits = {
  registrationPerHour: 10,
  authorizationPerHour: 60,
  tokenPerHour: 100,
};

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

/**
 * Polar's own per-minute rules on `^/v1` (server/polar/rate_limit.py, `_SANDBOX_RULES` and
 * `_PRODUCTION_RULES`): the `default` group (callers without a credential, per IP) and
 * `pending_auth` (a bearer token or session cookie, per credential). Polar moves a credential
 * to its subject's group once validated; the emulator keeps `pending_auth`, the stricter one.
 */
export const POLAR_SERVER_RATE_LIMITS = {
  "polar-sandbox": { anonymousPerMinute: 100, credentialPerMinute: 60 },
  "polar-production": { anonymousPerMinute: 500, credentialPerMinute: 60 },
} as const;

/** Outcome of one rate-limit check. */
export type RateDecision =
  | { allowed: true }
  | { allowed: false; retryAfterSeconds: number; limit: number };

/** A sliding one-hour window per key: at most `limit` hits in any 60 minutes. */
export class SlidingWindowLimiter {
  readonly #hits = new Map<string, number[]>();

  constructor(
    readonly limit: number,
    private readonly now: () => number,
    private readonly windowMs: number = HOUR_MS,
  ) {}

  /** Counts a hit for `key` unless the window is full. */
  hit(key: string): RateDecision {
    const now = this.now();
    const since = now - this.windowMs;
    const hits = (this.#hits.get(key) ?? []).filter((t) => t > since);
    if (hits.length >= this.limit) {
      this.#hits.set(key, hits);
      const oldest = hits[0] ?? now;
      return {
        allowed: false,
        limit: this.limit,
        retryAfterSeconds: Math.max(1, Math.ceil((oldest + this.windowMs - now) / 1000)),
      };
    }
    hits.push(now);
    this.#hits.set(key, hits);
    return { allowed: true };
  }
}

/**
 * The emulator's limits. Default: `"polar-sandbox"`, Polar's own per-minute rules on every `/v1`
 * route (`"polar-production"`: production's). An object: the seed's three hourly limits
 * (registration, authorization, token) instead, overridden one by one. `false`: none.
 */
export class RateLimiter {
  readonly #registration?: SlidingWindowLimiter;
  readonly #authorization?: SlidingWindowLimiter;
  readonly #token?: SlidingWindowLimiter;
  readonly #apiAnonymous?: SlidingWindowLimiter;
  readonly #apiCredential?: SlidingWindowLimiter;

  constructor(option: RateLimitOption | undefined, now: () => number) {
    if (option === false) return;
    if (option === undefined || typeof option === "string") {
      const rules = POLAR_SERVER_RATE_LIMITS[option ?? "polar-sandbox"];
      if (!rules) {
        throw new TypeError(
          `startEmulator: rateLimits must be false, an object of hourly limits, "polar-sandbox" or "polar-production", got ${JSON.stringify(option)}`,
        );
      }
      this.#apiAnonymous = new SlidingWindowLimiter(rules.anonymousPerMinute, now, MINUTE_MS);
      this.#apiCredential = new SlidingWindowLimiter(rules.credentialPerMinute, now, MINUTE_MS);
      return;
    }
    const limits = { ...SEED_RATE_LIMITS, ...option };
    this.#registration = new SlidingWindowLimiter(limits.registrationPerHour, now);
    this.#authorization = new SlidingWindowLimiter(limits.authorizationPerHour, now);
    this.#token = new SlidingWindowLimiter(limits.tokenPerHour, now);
  }

  /** Registration: per web-session user (`user:<id>`) or per IP (`ip:<addr>`). */
  registration(key: string): RateDecision {
    return this.#registration?.hit(key) ?? { allowed: true };
  }

  /** Authorization requests per client. */
  authorization(clientId: string): RateDecision {
    return this.#authorization?.hit(clientId) ?? { allowed: true };
  }

  /** Token requests per client. */
  token(clientId: string): RateDecision {
    return this.#token?.hit(clientId) ?? { allowed: true };
  }

  /** Any `/v1` request under a server profile: per credential when one is sent, else per IP. */
  api(caller: { credential: string } | { ip: string }): RateDecision {
    if ("credential" in caller)
      return this.#apiCredential?.hit(`credential:${caller.credential}`) ?? { allowed: true };
    return this.#apiAnonymous?.hit(`ip:${caller.ip}`) ?? { allowed: true };
  }
}
