import { type Emulator, generateFixtures, startEmulator } from "@polar-oauth/emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FRAMEWORKS } from "../support/apps.js";
import { jsonOf } from "../support/browser.js";
import { type Kit, signIn, startKit, TestBrowser } from "../support/kit.js";

/**
 * Load: 200 sign-ins with distinct fixture users, 20 at a time, against the emulator (rate
 * limits off), through each adapter. Every browser ends up signed in as its own user: no
 * error, no crossed session, no shared session id.
 */
const USERS = 200;
const CONCURRENCY = 20;

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ rateLimits: false, fixtures: generateFixtures(USERS) });
});
afterAll(() => emulator.close());

/** Runs `task` for every item, at most `limit` at a time. */
async function pool<T, R>(items: T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  let running = 0;
  let peak = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const index = next++;
        running++;
        peak = Math.max(peak, running);
        results[index] = await task(items[index]!);
        running--;
      }
    }),
  );
  expect(peak).toBe(limit);
  return results;
}

describe.each(FRAMEWORKS)("load through %s", (framework) => {
  let kit: Kit;
  beforeAll(async () => {
    kit = await startKit({ framework, emulator });
  });
  afterAll(() => kit.close());

  it(`${USERS} sign-ins of distinct users, ${CONCURRENCY} at a time: each signed in as itself`, async () => {
    const users = emulator.fixtures.users;
    expect(users).toHaveLength(USERS);
    const outcomes = await pool(users, CONCURRENCY, async (user) => {
      const browser = new TestBrowser();
      const { callback } = await signIn(browser, kit, {
        user: user.email,
        returnTo: `/dashboard?u=${encodeURIComponent(user.id)}`,
      });
      const me = await browser.get(`${kit.url}/auth/me`, { accept: "application/json" });
      return {
        user,
        callbackStatus: callback.status,
        location: callback.headers.get("location"),
        meStatus: me.status,
        me: me.status === 200 ? await jsonOf(me) : undefined,
        seal: browser.cookie("polar_session")?.value,
      };
    });

    for (const outcome of outcomes) {
      expect(outcome.callbackStatus).toBe(302);
      expect(outcome.location).toBe(
        `${kit.url}/dashboard?u=${encodeURIComponent(outcome.user.id)}`,
      );
      expect(outcome.meStatus).toBe(200);
      expect(outcome.me.user).toMatchObject({ sub: outcome.user.id, email: outcome.user.email });
    }
    expect(new Set(outcomes.map((o) => o.me.user.email)).size).toBe(USERS);
    expect(new Set(outcomes.map((o) => o.seal)).size).toBe(USERS);
    expect(kit.logs.filter((line) => !line.startsWith("info"))).toEqual([]);
  });
});
