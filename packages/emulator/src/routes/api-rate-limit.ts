import type { KoaMiddleware } from "oidc-provider";
import type { EmulatorEnv } from "../emulator-env.js";
import { sendRateLimited } from "./rate-limited.js";

/**
 * Polar's per-minute limit on every `/v1` route (server/polar/rate_limit.py), active under the
 * `"polar-sandbox"` / `"polar-production"` profiles: keyed by the bearer token or the session
 * cookie when one is sent, else by IP; 429 with `Retry-After` and an empty body.
 */
export function createApiRateLimit(env: EmulatorEnv, sessionCookie: string): KoaMiddleware {
  return async (ctx, next) => {
    if (!ctx.path.startsWith("/v1")) return next();
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(ctx.get("authorization"))?.[1];
    const cookie = ctx
      .get("cookie")
      .split(";")
      .map((pair) => pair.trim())
      .find((pair) => pair.startsWith(`${sessionCookie}=`));
    const credential = bearer ?? cookie;
    const decision = env.limiter.api(credential ? { credential } : { ip: ctx.ip });
    if (!decision.allowed) return sendRateLimited(ctx, env, decision);
    return next();
  };
}
