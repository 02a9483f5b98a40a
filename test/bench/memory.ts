/**
 * Memory of the read path, in its own process: `memory.ts <count>` seals `count` distinct valid
 * sessions with one session store, then reads each cookie with another (the store a kit's
 * `context()` reads through, with the kit's default cache of 10,000), so every one is a cache
 * miss that opens the seal and is cached.
 * Sends `{ type: "memory", ... }` with RSS and heap before and after, and the cache's bound.
 */
import { definePolarConfig } from "@polar-oauth/core";
import { createSessionStore } from "../../packages/core/src/session/store.js";
import { BENCH_SESSION_SECRET as SECRET, sampleSession } from "./fixtures.js";

/** What the memory run reports. */
export interface MemoryResult {
  type: "memory";
  cookies: number;
  cacheBound: number;
  rssBeforeBytes: number;
  rssAfterBytes: number;
  heapBeforeBytes: number;
  heapAfterBytes: number;
  /** RSS and heap (after a GC) once the first `cacheBound` cookies filled the cache. */
  rssAtBoundBytes: number;
  heapAtBoundBytes: number;
  /** Entries in the cache at the end. */
  cacheSize: number;
  seconds: number;
}

const CACHE_BOUND = 10_000;

async function main(count: number): Promise<MemoryResult> {
  const config = definePolarConfig({
    environment: "development",
    server: "http://127.0.0.1:9",
    clientId: "polar_ci_bench",
    clientSecret: "polar_cs_bench",
    redirectUri: "http://127.0.0.1:3000/auth/callback",
    scopes: "openid profile email",
    session: { secrets: SECRET },
    startupCheck: "off",
  });
  // The sealing side: a separate store, so the reader's cache starts empty.
  const issuer = createSessionStore({
    clientId: "polar_ci_bench",
    config: config.session!,
    secure: false,
    now: Date.now,
    cacheSize: 0,
    rollingIntervalSeconds: 3600,
  });
  const reader = createSessionStore({
    clientId: "polar_ci_bench",
    config: config.session!,
    secure: false,
    now: Date.now,
    cacheSize: CACHE_BOUND,
    rollingIntervalSeconds: 3600,
  });
  global.gc?.();
  const heapBeforeBytes = process.memoryUsage().heapUsed;
  const rssBeforeBytes = process.memoryUsage.rss();
  let rssAtBoundBytes = rssBeforeBytes;
  let heapAtBoundBytes = heapBeforeBytes;
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const setCookie = await issuer.issue(sampleSession(issuer.start()));
    const read = await reader.read(`theme=dark; ${setCookie.split(";")[0]}`);
    if (!read) throw new Error(`cookie ${i} was not accepted`);
    if (i + 1 === CACHE_BOUND) {
      global.gc?.();
      rssAtBoundBytes = process.memoryUsage.rss();
      heapAtBoundBytes = process.memoryUsage().heapUsed;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  global.gc?.();
  return {
    type: "memory",
    cookies: count,
    cacheBound: CACHE_BOUND,
    rssBeforeBytes,
    rssAfterBytes: process.memoryUsage.rss(),
    heapBeforeBytes,
    heapAfterBytes: process.memoryUsage().heapUsed,
    rssAtBoundBytes,
    heapAtBoundBytes,
    cacheSize: reader.cacheSize,
    seconds,
  };
}

const result = await main(Number(process.argv[2] ?? 100_000));
if (process.send) process.send(result, () => process.exit(0));
else console.log(result);
