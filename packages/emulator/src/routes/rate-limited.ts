import type { KoaContext } from "oidc-provider";
import type { EmulatorEnv } from "../emulator-env.js";
import { renderErrorPage } from "../pages/error.js";
import { PAGE_CSP } from "../provider.js";
import type { RateDecision } from "../rate-limit.js";

type Denied = Extract<RateDecision, { allowed: false }>;

function describe(decision: Denied, what: string): string {
  return `Rate limit exceeded: at most ${decision.limit} ${what} per hour. Retry after ${decision.retryAfterSeconds} seconds.`;
}

/**
 * 429 as Polar's API sends it (the `ratelimit` ASGI middleware behind server/polar/rate_limit.py):
 * `Retry-After` in seconds and an empty body.
 */
export function sendRateLimited(ctx: KoaContext, env: EmulatorEnv, decision: Denied): void {
  env.stats.rateLimited();
  ctx.status = 429;
  ctx.set("Retry-After", String(decision.retryAfterSeconds));
  ctx.set("Cache-Control", "no-store");
  ctx.body = "";
}

/** 429 with `Retry-After` as an HTML page, for the browser-facing authorization endpoint. */
export function sendRateLimitedPage(
  ctx: KoaContext,
  env: EmulatorEnv,
  decision: Denied,
  what: string,
): void {
  env.stats.rateLimited();
  ctx.status = 429;
  ctx.set("Retry-After", String(decision.retryAfterSeconds));
  ctx.set("Content-Security-Policy", PAGE_CSP);
  ctx.type = "html";
  ctx.body = renderErrorPage({
    status: 429,
    error: "rate_limit_exceeded",
    description: describe(decision, what),
  });
}
