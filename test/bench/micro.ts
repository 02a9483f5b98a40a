/**
 * Micro-benchmark of the session read path, in its own process (pinned like a server):
 * `sessions.read` on a cache hit and on a miss (unseal), `issue` (seal), and the whole
 * per-request core path of an adapter (`handle()` + `context()` + `authorize()`) for a signed-in
 * request. Sends `{ type: "micro", ... }` with microseconds per operation (median of batches).
 */
import { createPolarAuth, definePolarConfig, Secret } from "@polar-oauth/core";
import { createSessionStore } from "../../packages/core/src/session/store.js";
import { BENCH_SESSION_SECRET as SECRET, sampleSession } from "./fixtures.js";

/** Microseconds per operation. */
export interface MicroResult {
  type: "micro";
  readHitMicros: number;
  readMissMicros: number;
  issueMicros: number;
  requestPathMicros: number;
  sealLength: number;
}

const quick = process.argv.includes("--smoke");

function sessionConfig() {
  return {
    secrets: [new Secret(SECRET)],
    cookieName: "polar_session",
    idleTimeoutSeconds: 7 * 86_400,
    absoluteTimeoutSeconds: 30 * 86_400,
  };
}

/** Median µs/op over `batches` batches of `perBatch` sequential awaited calls. */
async function measure(
  batches: number,
  perBatch: number,
  fn: (i: number) => unknown,
): Promise<number> {
  for (let i = 0; i < Math.min(perBatch, 1000); i++) await fn(i);
  const samples: number[] = [];
  let k = 0;
  for (let b = 0; b < batches; b++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < perBatch; i++) await fn(k++);
    samples.push(Number(process.hrtime.bigint() - start) / 1000 / perBatch);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

async function main(): Promise<MicroResult> {
  const scale = quick ? 0.1 : 1;
  const store = createSessionStore({
    clientId: "polar_ci_bench",
    config: sessionConfig(),
    secure: false,
    now: Date.now,
    cacheSize: 10_000,
    rollingIntervalSeconds: 3600,
  });
  const setCookie = await store.issue(sampleSession(store.start()));
  const pair = setCookie.split(";")[0]!;
  const cookieHeader = `theme=dark; ${pair}; _ga=GA1.1.123456789.1700000000`;
  const readHitMicros = await measure(9, Math.round(20_000 * scale), () =>
    store.read(cookieHeader),
  );

  const uncached = createSessionStore({
    clientId: "polar_ci_bench",
    config: sessionConfig(),
    secure: false,
    now: Date.now,
    cacheSize: 0,
    rollingIntervalSeconds: 3600,
  });
  const readMissMicros = await measure(5, Math.round(400 * scale), () =>
    uncached.read(cookieHeader),
  );
  const issueMicros = await measure(5, Math.round(400 * scale), () =>
    store.issue(sampleSession(store.start())),
  );

  const auth = createPolarAuth(
    definePolarConfig({
      environment: "development",
      server: "http://127.0.0.1:9",
      clientId: "polar_ci_bench",
      clientSecret: "polar_cs_bench",
      redirectUri: "http://127.0.0.1:3000/auth/callback",
      scopes: "openid profile email",
      session: { secrets: SECRET },
      startupCheck: "off",
    }),
    { logger: { info() {}, warn() {}, error() {} } },
  );
  const request = {
    method: "GET",
    url: "/dashboard",
    headers: { cookie: cookieHeader, accept: "text/html" },
  };
  const ignore = () => {};
  const requestPathMicros = await measure(9, Math.round(20_000 * scale), async () => {
    const handled = await auth.handle(request);
    if (handled) throw new Error("not an auth route");
    const context = await auth.context(request, ignore);
    if (context.authorize() || !context.session) throw new Error("not signed in");
  });
  return {
    type: "micro",
    readHitMicros,
    readMissMicros,
    issueMicros,
    requestPathMicros,
    sealLength: pair.length - "polar_session=".length,
  };
}

const result = await main();
if (process.send) process.send(result, () => process.exit(0));
else console.log(result);
