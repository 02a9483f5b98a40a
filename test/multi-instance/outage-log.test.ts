/**
 * A Redis outage is logged once per 10 seconds, not once per signed-in request
 * (`failClosed` in `packages/core/src/auth.ts`): the kit's clock is frozen and moved, never
 * waited for.
 */
import { type Emulator, startEmulator } from "@polar-oauth/emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Cluster, startCluster } from "../support/cluster.js";
import { eventually } from "../support/eventually.js";
import { signIn, TestBrowser } from "../support/kit.js";
import { redisServerAvailable, startRedisServer, type TestRedis } from "../support/redis-server.js";

describe.runIf(redisServerAvailable())("the revocation store's outage in the log", () => {
  let emulator: Emulator;
  let redis: TestRedis;
  let cluster: Cluster;
  beforeAll(async () => {
    emulator = await startEmulator({ rateLimits: false });
    redis = await startRedisServer();
    cluster = await startCluster({ emulator, redisUrl: redis.url, frameworks: ["express"] });
  });
  afterAll(async () => {
    await cluster?.close();
    await redis?.close();
    await emulator?.close();
  });

  it("Redis down: every signed-in request fails closed, the outage is logged once per 10 s of the kit's clock", async () => {
    const browser = new TestBrowser();
    await signIn(browser, { url: cluster.url });
    const [instance] = cluster.instances;
    const dashboard = async () =>
      (
        await fetch(new URL("/dashboard", instance!.url), {
          headers: {
            accept: "application/json",
            cookie: browser.cookieHeader(new URL(cluster.url)),
          },
          redirect: "manual",
        })
      ).status;
    const outageLines = () =>
      instance!.logs.filter((line) => line.includes("revocation store is unavailable")).length;
    expect(await dashboard()).toBe(200);
    expect(outageLines()).toBe(0);

    cluster.freezeClock(); // from here only advanceClock moves the kit's time
    await redis.stop();
    await eventually(() => !instance!.store.available(), "the instance sees Redis gone");
    for (let n = 0; n < 5; n++) expect(await dashboard()).toBe(401);
    expect(outageLines()).toBe(1);

    cluster.advanceClock(9_999);
    expect(await dashboard()).toBe(401);
    expect(outageLines()).toBe(1);
    cluster.advanceClock(1);
    expect(await dashboard()).toBe(401);
    expect(outageLines()).toBe(2);
  });
});
