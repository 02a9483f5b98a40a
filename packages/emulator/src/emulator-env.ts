import type { KoaContext, Provider } from "oidc-provider";
import type { ClientRegistry } from "./client-registry.js";
import type { FixtureDirectory } from "./fixtures.js";
import type { KeyedLock } from "./keyed-lock.js";
import type { RateLimiter } from "./rate-limit.js";
import type { PrivateJwk } from "./signing-key.js";
import type { StateStore } from "./state-store.js";
import type { StatsCollector } from "./stats.js";

/** Everything a route handler of the emulator can use. */
export interface EmulatorEnv {
  provider: Provider;
  issuer: string;
  store: StateStore;
  clients: ClientRegistry;
  fixtures: FixtureDirectory;
  limiter: RateLimiter;
  stats: StatsCollector;
  locks: KeyedLock;
  now: () => number;
  /** The key that signs id_tokens (the JWKS may publish a second one, see `extraJwk`). */
  signingKey: PrivateJwk;
  /** Every scope the server supports (registration default and validation, discovery). */
  scopes: readonly string[];
}

/** The origin the request was addressed to, e.g. "http://127.0.0.1:4000" (endpoint URLs are built from it). */
export function requestOrigin(ctx: KoaContext): string {
  return `${ctx.protocol}://${ctx.host}`;
}
