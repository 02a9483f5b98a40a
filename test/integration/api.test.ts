import { type Emulator, startEmulator } from "@polar-oauth/emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FRAMEWORKS } from "../support/apps.js";
import { jsonOf } from "../support/browser.js";
import { type Kit, signIn, startKit, TEST_SESSION_SECRET, TestBrowser } from "../support/kit.js";

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ rateLimits: false });
});
afterAll(() => emulator.close());

const ACME = "ac3e0000-0000-4000-8000-00000000a001";
const ALICE_LABS = "a11ce1ab-0000-4000-8000-00000000a002";
const READS = "openid email organizations:read products:read subscriptions:read";
const TEN_DAYS = 864_000;

/** A clock the kit reads; tests move it instead of sleeping. */
function fakeClock() {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    advance: (seconds: number) => (offset += seconds * 1000),
  };
}

const json = { accept: "application/json" };

describe.each(FRAMEWORKS)("polar.api through %s", (framework) => {
  const kits: Kit[] = [];
  const start = async (options: Omit<Parameters<typeof startKit>[0], "framework" | "emulator">) => {
    const kit = await startKit({ framework, emulator, ...options });
    kits.push(kit);
    return kit;
  };
  afterAll(() => Promise.all(kits.map((k) => k.close())));

  it("lists the signed-in user's organizations from the emulator, with the session's token", async () => {
    const kit = await start({ scopes: READS });
    const browser = new TestBrowser();
    await signIn(browser, kit, { user: "alice@example.com" });
    emulator.resetStats();
    const answer = await browser.get(`${kit.url}/api/polar/organizations`, json);
    expect(answer.status).toBe(200);
    expect(await jsonOf(answer)).toEqual([
      { id: ACME, name: "Acme Inc", slug: "acme" },
      { id: ALICE_LABS, name: "Alice Labs", slug: "alice-labs" },
    ]);
    expect(emulator.stats().requests.organizations).toBe(1);
    expect(emulator.stats().tokenGrants.refresh_token).toBe(0);
  });

  it("an organization sign-in reaches only the chosen organization's products", async () => {
    const kit = await start({ scopes: READS, subType: "organization" });
    const browser = new TestBrowser();
    await signIn(browser, kit, { user: "alice@example.com", organizationId: ALICE_LABS });
    const products = (await jsonOf(
      await browser.get(`${kit.url}/api/polar/products`, json),
    )) as Array<{ organization_id: string }>;
    expect(products).toHaveLength(3);
    expect(new Set(products.map((p) => p.organization_id))).toEqual(new Set([ALICE_LABS]));
  });

  it("refreshes once when the token is near expiry, for concurrent requests and concurrent calls", async () => {
    const clock = fakeClock();
    const kit = await start({
      scopes: READS,
      config: {
        session: {
          secrets: TEST_SESSION_SECRET,
          idleTimeoutSeconds: 30 * 86_400,
          absoluteTimeoutSeconds: 60 * 86_400,
        },
      },
      options: { now: clock.now },
    });
    const browser = new TestBrowser();
    await signIn(browser, kit, { user: "alice@example.com" });
    const before = (await jsonOf(await browser.get(`${kit.url}/api/token`, json))).accessToken;
    const oneCall = browser.clone();

    clock.advance(TEN_DAYS - 30); // inside the 60 s refresh margin
    emulator.resetStats();
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => browser.get(`${kit.url}/api/polar/dashboard`, json)),
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    expect(await jsonOf(answers[0]!)).toEqual({ organizations: 2, subscriptions: 4 });
    expect(emulator.stats().tokenGrants.refresh_token).toBe(1);
    expect(emulator.stats().requests.organizations).toBe(5);
    expect(emulator.stats().requests.subscriptions).toBe(5);
    // Two API calls in one request share one refresh: as many session cookies as one call gets
    // (the sliding re-issue and the refreshed session), not one more.
    const sessionCookies = (response: Response) =>
      response.headers.getSetCookie().filter((c) => c.startsWith("polar_session=")).length;
    const single = await oneCall.get(`${kit.url}/api/polar/organizations`, json);
    expect(single.status).toBe(200);
    expect(sessionCookies(answers[0]!)).toBe(sessionCookies(single));
    expect(emulator.stats().tokenGrants.refresh_token).toBe(1);
    const after = (await jsonOf(await browser.get(`${kit.url}/api/token`, json))).accessToken;
    expect(after).not.toBe(before);
  });

  it("a scope that was not granted gives INSUFFICIENT_SCOPE naming it", async () => {
    const kit = await start({ scopes: "openid email organizations:read" });
    const browser = new TestBrowser();
    await signIn(browser, kit, { user: "alice@example.com" });
    const answer = await browser.get(`${kit.url}/api/polar/products`, json);
    expect(answer.status).toBe(403);
    const body = await jsonOf(answer);
    expect(body).toMatchObject({ error: "INSUFFICIENT_SCOPE", requiredScope: "products:read" });
    expect(body.message).toContain("Add products:read to POLAR_SCOPES");
    // The session survives a missing scope.
    expect((await browser.get(`${kit.url}/api/polar/organizations`, json)).status).toBe(200);
  });

  it("a signed-out request gets SESSION_ENDED, not Polar's 401", async () => {
    const kit = await start({ scopes: READS });
    emulator.resetStats();
    const answer = await new TestBrowser().get(`${kit.url}/api/polar/open`, json);
    expect(answer.status).toBe(401);
    expect((await jsonOf(answer)).error).toBe("SESSION_ENDED");
    expect(emulator.stats().requests.organizations).toBe(0);
  });

  it("a token Polar refuses (revoked) ends the session like SESSION_ENDED", async () => {
    const kit = await start({ scopes: READS });
    const browser = new TestBrowser();
    await signIn(browser, kit, { user: "alice@example.com" });
    const token = (await jsonOf(await browser.get(`${kit.url}/api/token`, json))).accessToken;
    await fetch(`${emulator.url}/v1/oauth2/revoke`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        token,
        client_id: kit.clientId,
        client_secret: kit.clientSecret!,
      }),
    });
    const answer = await browser.get(`${kit.url}/api/polar/open`, json);
    expect(answer.status).toBe(401);
    const body = await jsonOf(answer);
    expect(body.error).toBe("SESSION_ENDED");
    // Neither the answer nor the kit's logs carry the token.
    expect(JSON.stringify(body)).not.toContain(token);
    expect(kit.logs.join("\n")).not.toContain(token);
    expect(answer.headers.getSetCookie().some((c) => /^polar_session=;/.test(c))).toBe(true);
    expect((await browser.get(`${kit.url}/dashboard`, json)).status).toBe(401);
  });
});
