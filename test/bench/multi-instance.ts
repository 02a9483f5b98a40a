/**
 * The multi-instance figures of `pnpm bench`: three instances (Express, Koa, Express) behind a
 * round-robin proxy with one Redis (the cluster of `test/multi-instance`), against the emulator.
 * Revocation propagation: the time from `revoke()` on one instance until every instance's
 * mirror refuses the session. Refresh storm: `concurrent` requests of one user with an expired
 * access token, spread over the three; their latency and the refreshes Polar saw (want 1).
 */
import { setImmediate as tick } from "node:timers/promises";
import type { Emulator } from "@polar-oauth/emulator";
import { startCluster } from "../support/cluster.js";
import { signIn, TestBrowser } from "../support/kit.js";

/** What {@link measureMultiInstance} reports. */
export interface MultiInstanceResult {
  propagation: { samples: number; p50Ms: number; p99Ms: number; maxMs: number };
  storm: {
    requests: number;
    refreshes: number;
    distinctTokens: number;
    statuses: Record<number, number>;
    p50Ms: number;
    p99Ms: number;
    wallMs: number;
  };
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;

/** Runs both measurements on a fresh cluster and closes it. */
export async function measureMultiInstance(
  emulator: Emulator,
  redisUrl: string,
  { revocations = 500, concurrent = 60 }: { revocations?: number; concurrent?: number } = {},
): Promise<MultiInstanceResult> {
  const cluster = await startCluster({
    emulator,
    redisUrl,
    frameworks: ["express", "koa", "express"],
    prefix: "bench-cluster:",
  });
  try {
    const stores = cluster.instances.map((i) => i.store);
    const delays: number[] = [];
    for (let n = 0; n < revocations; n++) {
      const sid = `bench-${n}-${Math.random().toString(36).slice(2)}`;
      const started = performance.now();
      const revoking = stores[n % stores.length]!.revocation.revoke(
        sid,
        Math.floor(Date.now() / 1000) + 600,
      );
      let last = 0;
      const pending = new Set(stores);
      while (pending.size > 0) {
        for (const store of pending) {
          if (store.revocation.isRevoked(sid) === true) {
            pending.delete(store);
            last = performance.now() - started;
          }
        }
        if (pending.size > 0) await tick();
      }
      await revoking;
      delays.push(last);
    }
    delays.sort((a, b) => a - b);

    const browser = new TestBrowser();
    await signIn(browser, { url: cluster.url });
    const me = await browser.get(`${cluster.url}/auth/me`, { accept: "application/json" });
    const { accessTokenExpiresAt } = (await me.json()) as { accessTokenExpiresAt: number };
    cluster.advanceClock((accessTokenExpiresAt + 120) * 1000 - Date.now());
    emulator.resetStats();
    const cookie = browser.cookieHeader(new URL(cluster.url));
    const wallStart = performance.now();
    const answers = await Promise.all(
      Array.from({ length: concurrent }, async () => {
        const t = performance.now();
        const answer = await fetch(`${cluster.url}/api/token`, {
          headers: { accept: "application/json", cookie },
        });
        const body = (await answer.json()) as { accessToken?: string };
        return { status: answer.status, token: body.accessToken, ms: performance.now() - t };
      }),
    );
    const wallMs = performance.now() - wallStart;
    const statuses: Record<number, number> = {};
    for (const a of answers) statuses[a.status] = (statuses[a.status] ?? 0) + 1;
    const latencies = answers.map((a) => a.ms).sort((a, b) => a - b);
    return {
      propagation: {
        samples: delays.length,
        p50Ms: percentile(delays, 50),
        p99Ms: percentile(delays, 99),
        maxMs: delays.at(-1) ?? 0,
      },
      storm: {
        requests: concurrent,
        refreshes: emulator.stats().tokenGrants.refresh_token,
        distinctTokens: new Set(answers.map((a) => a.token).filter(Boolean)).size,
        statuses,
        p50Ms: percentile(latencies, 50),
        p99Ms: percentile(latencies, 99),
        wallMs,
      },
    };
  } finally {
    await cluster.close();
  }
}

/** Wrong outcomes (not timings) of the multi-instance run: the bench fails on these. */
export function multiInstanceViolations(result: MultiInstanceResult): string[] {
  const problems: string[] = [];
  if (result.storm.refreshes !== 1)
    problems.push(`${result.storm.refreshes} refreshes at Polar for the storm (want 1)`);
  if (result.storm.distinctTokens !== 1)
    problems.push(`${result.storm.distinctTokens} distinct access tokens (want 1)`);
  if ((result.storm.statuses[200] ?? 0) !== result.storm.requests)
    problems.push(`storm statuses ${JSON.stringify(result.storm.statuses)} (want all 200)`);
  return problems;
}
