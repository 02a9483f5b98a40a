import type { RateLimits } from "./types.js";

/** The seed's documented limits: registration 10/h per user, authorization 60/h and token 100/h per client. */
export const DEFAULT_RATE_LIMITS: RateLimits = {
  registrationPerHour: 10,
  authorizationPerHour: 60,
  tokenPerHour: 100,
};

const HOUR_MS = 3_600_000;

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

/** The three Polar limits, or none when disabled. */
export class RateLimiter {
  readonly #registration?: SlidingWindowLimiter;
  readonly #authorization?: SlidingWindowLimiter;
  readonly #token?: SlidingWindowLimiter;

  constructor(option: false | Partial<RateLimits> | undefined, now: () => number) {
    if (option === false) return;
    const limits = { ...DEFAULT_RATE_LIMITS, ...option };
    this.#registration = new SlidingWindowLimiter(limits.registrationPerHour, now);
    this.#authorization = new SlidingWindowLimiter(limits.authorizationPerHour, now);
    this.#token = new SlidingWindowLimiter(limits.tokenPerHour, now);
  }

  /** Registration: per PAT owner (`user:<id>`) or per IP (`ip:<addr>`). */
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
}
