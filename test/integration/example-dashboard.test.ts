import { createPolarAuth, type PolarRequestContext } from "@polar-oauth/core";
import { type Emulator, startEmulator } from "@polar-oauth/emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as expressPages from "../../examples/express/src/pages.js";
import * as expressData from "../../examples/express/src/polar-data.js";
import * as koaPages from "../../examples/koa/src/pages.js";
import * as koaData from "../../examples/koa/src/polar-data.js";
import { type Kit, signIn, startKit, TestBrowser } from "../support/kit.js";

/*
 * The examples' dashboard code (the same file in both examples) on real sessions against the
 * emulator: what the browser test cannot show with pnpm dev's scopes, a scope not granted.
 */

const ALICE_LABS = "a11ce1ab-0000-4000-8000-00000000a002";
let emulator: Emulator;
const kits: Kit[] = [];
beforeAll(async () => {
  emulator = await startEmulator({ rateLimits: false });
});
afterAll(async () => {
  await Promise.all(kits.map((k) => k.close()));
  await emulator.close();
});

/** The request context a signed-in (or signed-out) browser gets from the kit. */
async function contextOf(kit: Kit, browser?: TestBrowser): Promise<PolarRequestContext> {
  const auth = createPolarAuth(kit.config, { logger: { info() {}, warn() {}, error() {} } });
  const cookie = browser?.cookieHeader(new URL(kit.url)) || undefined;
  return auth.context({ method: "GET", url: "/dashboard", headers: { cookie } }, () => {});
}

async function signedIn(scopes: string, organizationId?: string) {
  const kit = await startKit({
    framework: "express",
    emulator,
    scopes,
    subType: organizationId ? "organization" : "user",
  });
  kits.push(kit);
  const browser = new TestBrowser();
  await signIn(browser, kit, { user: "alice@example.com", organizationId });
  return { kit, polar: await contextOf(kit, browser) };
}

describe.each([
  ["express", expressData, expressPages],
  ["koa", koaData, koaPages],
] as const)("the %s example's dashboard data", (_name, data, pages) => {
  it("an organization sign-in without products:read: its organization, and a notice naming the scope", async () => {
    const { polar } = await signedIn("openid email organizations:read", ALICE_LABS);
    const dashboard = await data.dashboardData(polar);
    expect(dashboard).toEqual({
      organizations: { items: [{ id: ALICE_LABS, name: "Alice Labs", slug: "alice-labs" }] },
      products: {
        notice:
          "This app was not granted products:read, so it cannot show this. Add products:read to POLAR_SCOPES and sign in again.",
      },
    });
    const html = pages.dashboardPage(polar.session!, dashboard);
    expect(html).toContain(
      '<p id="products" class="notice" role="status">This app was not granted products:read',
    );
    expect(html).toContain("<li>Alice Labs <code>alice-labs</code></li>");
  });

  it("GET /api/polar/organizations' answer: 403 without organizations:read, 401 SESSION_ENDED signed out", async () => {
    const { kit, polar } = await signedIn("openid email");
    const refused = await data.organizationsAnswer(polar);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: "INSUFFICIENT_SCOPE" });
    const dashboard = await data.dashboardData(polar);
    expect(dashboard.organizations).toEqual({
      notice:
        "This app was not granted organizations:read, so it cannot show this. Add organizations:read to POLAR_SCOPES and sign in again.",
    });
    expect(await data.organizationsAnswer(await contextOf(kit))).toEqual({
      status: 401,
      body: { error: "SESSION_ENDED" },
    });
  });
});
