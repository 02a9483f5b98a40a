/**
 * The newcomer's path in a real browser, for one example app: `pnpm dev` (scripts/dev.mjs)
 * brings up the emulator, bootstrap, the startup check and the app; Chromium signs in through
 * the emulator's login and consent pages, is denied, signs out and switches user; a second `pnpm dev` on the same
 * state registers nothing and keeps the first sign-in; `sub_type=organization` picks an
 * organization on the consent page, and the same user does it again with another one.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  ARTIFACTS,
  clearScreenshots,
  type DevRun,
  describeWithChromium,
  emulatorPage,
  type Framework,
  fetchInPage,
  freePorts,
  launchChromium,
  screenshot,
  startDev,
  tempDir,
} from "./support.js";

const ALICE = {
  id: "a11ce000-0000-4000-8000-000000000001",
  email: "alice@example.com",
  organizations: {
    acme: "ac3e0000-0000-4000-8000-00000000a001",
    aliceLabs: "a11ce1ab-0000-4000-8000-00000000a002",
  },
};
const BOB = { id: "b0b00000-0000-4000-8000-000000000002", email: "bob@example.com" };
const CAROL = { id: "ca201000-0000-4000-8000-000000000003", email: "carol@example.com" };
const APP_NAME = "Polar OAuth example";
const DECLINED = "You declined to sign in with Polar.";

/** Waits until the emulator shows the given page (login, consent, error) and it has loaded. */
async function waitForEmulatorPage(page: Page, kind: string): Promise<void> {
  await page.waitForSelector(`meta[name="polar-emulator-page"][content="${kind}"]`, {
    state: "attached",
  });
  await page.waitForLoadState("load");
}

/** Home page → "Sign in with Polar" → the emulator's login page → pick `email` → consent page. */
async function reachConsent(page: Page, run: DevRun, email: string): Promise<void> {
  await page.goto(`${run.app}/`);
  await page.getByRole("link", { name: "Sign in with Polar" }).click();
  await waitForEmulatorPage(page, "login");
  expect(new URL(page.url()).origin).toBe(run.emulator);
  await expect.poll(() => page.locator("main").textContent()).toContain(APP_NAME);
  await page.locator(`button[data-email="${email}"]`).click();
  await waitForEmulatorPage(page, "consent");
}

/** The consent page names the app and shows its logo, loaded from the app's /logo.svg. */
async function expectConsentPage(page: Page, run: DevRun): Promise<void> {
  expect(await emulatorPage(page)).toBe("consent");
  expect(await page.locator(".app h1").textContent()).toBe(APP_NAME);
  const logo = page.locator(`.app img[alt="${APP_NAME} logo"]`);
  expect(await logo.getAttribute("src")).toBe(`${run.app}/logo.svg`);
  await expect
    .poll(() =>
      // (The tsconfig has no DOM library: describe the <img> by the fields read.)
      logo.evaluate((img) => {
        const loaded = img as unknown as { complete: boolean; naturalWidth: number };
        return loaded.complete ? loaded.naturalWidth : 0;
      }),
    )
    .toBeGreaterThan(0);
}

/** The dashboard's fields, and the lists it read from Polar's API (an item's text, or a notice). */
async function dashboard(page: Page) {
  const text = (id: string) => page.locator(`#${id}`).textContent();
  const list = async (id: string) =>
    (await page.locator(`ul#${id}`).count()) > 0
      ? await page.locator(`#${id} li`).allTextContents()
      : await text(id);
  const organization = page.locator("#organization");
  return {
    email: await text("email"),
    sub: await text("sub"),
    subType: await text("sub-type"),
    scopes: await text("scopes"),
    organizations: await list("organizations"),
    ...((await page.locator("#products").count()) > 0 ? { products: await list("products") } : {}),
    // The chosen organization's id, shown after organization sign-ins only.
    ...((await organization.count()) > 0
      ? { organization: await organization.getAttribute("data-id") }
      : {}),
  };
}

/** Document requests the page made to the emulator's authorize endpoint (sign-ins started). */
function countAuthorizations(page: Page, run: DevRun): { count: number } {
  const seen = { count: 0 };
  page.on("request", (request) => {
    if (
      request.isNavigationRequest() &&
      request.url().startsWith(`${run.emulator}/oauth2/authorize?`)
    )
      seen.count++;
  });
  return seen;
}

export function exampleSuite(framework: Framework): void {
  describeWithChromium(
    `pnpm dev${framework === "koa" ? ":koa" : ""} in Chromium (${framework} example)`,
    () => {
      let dir: ReturnType<typeof tempDir>;
      let ports: number[];
      let browser: Browser;
      let run: DevRun;
      /** Alice's browser: signed in in the first run, kept across the restart. */
      let alice: BrowserContext;
      let alicePage: Page;
      const stopped: boolean[] = [];

      beforeAll(async () => {
        clearScreenshots(`${framework}-`);
        dir = tempDir(`polar-e2e-${framework}-`);
        ports = await freePorts(2);
        [browser, run] = await Promise.all([
          launchChromium(),
          startDev(framework, { appPort: ports[0]!, emulatorPort: ports[1]!, dir: dir.path }),
        ]);
      }, 90_000);

      afterAll(async () => {
        await browser?.close();
        if (run) stopped.push(await run.process.stop());
        dir?.remove();
        // Both runs stopped without a SIGKILL (Ctrl-C, then SIGTERM forwarded by dev.mjs to the
        // emulator and the app), and nothing of their process groups is left.
        expect(stopped).not.toContain(false);
        expect(run?.process.groupAlive() ?? false).toBe(false);
      }, 30_000);

      it("first run: the emulator, a newly registered client, the startup check, then Ready", () => {
        const out = run.process.output;
        expect(out).toContain(`starting the Polar emulator on ${run.emulator}`);
        expect(out).toMatch(/Registered Polar client polar_ci_\w+ \(development\)/);
        expect(out).toContain(`accepts redirect URI ${run.app}/auth/callback`);
        expect(out).toContain(`starting the ${framework} example on ${run.app}`);
        expect(out).toMatch(/pick a test user, e\.g\. alice@example\.com/);
        const env = run.env();
        expect(env.POLAR_CLIENT_ID_DEV).toMatch(/^polar_ci_/);
        expect(env.POLAR_REDIRECT_URI_DEV).toBe(`${run.app}/auth/callback`);
        expect(env.SESSION_SECRET?.length).toBeGreaterThanOrEqual(32);
      });

      it("home → Sign in with Polar → pick alice → consent (name, logo) → Allow → /dashboard", async () => {
        alice = await browser.newContext();
        alicePage = await alice.newPage();
        const page = alicePage;
        await reachConsent(page, run, ALICE.email);
        await expectConsentPage(page, run);
        expect(await page.locator("main").textContent()).toContain(`Signed in as Alice`);
        await screenshot(page, `${framework}-consent`);

        await page.getByRole("button", { name: "Allow" }).click();
        await page.waitForURL(`${run.app}/dashboard`);
        expect(await dashboard(page)).toEqual({
          email: ALICE.email,
          sub: ALICE.id,
          subType: "user",
          // pnpm dev asks for what the dashboard reads through polar.api.
          scopes: "openid profile email organizations:read products:read",
          organizations: ["Acme Inc acme", "Alice Labs alice-labs"],
        });
        await screenshot(page, `${framework}-dashboard`);

        expect(await fetchInPage(page, "/auth/me")).toMatchObject({
          status: 200,
          body: { user: { sub: ALICE.id, email: ALICE.email }, subType: "user" },
        });
        // The home page knows too.
        await page.goto(`${run.app}/`);
        expect(await page.locator("main").textContent()).toContain(`Signed in as ${ALICE.email}`);
      });

      it("GET /api/polar/organizations lists alice's organizations through polar.api", async () => {
        expect(await fetchInPage(alicePage, "/api/polar/organizations")).toEqual({
          status: 200,
          body: [
            { id: ALICE.organizations.acme, name: "Acme Inc", slug: "acme" },
            { id: ALICE.organizations.aliceLabs, name: "Alice Labs", slug: "alice-labs" },
          ],
        });
        const stranger = await browser.newContext();
        const page = await stranger.newPage();
        await page.goto(`${run.app}/`);
        expect(await fetchInPage(page, "/api/polar/organizations")).toMatchObject({
          status: 401,
          body: { error: "unauthenticated" },
        });
        await stranger.close();
      });

      it("the API route calls Polar's userinfo with the session's access token", async () => {
        expect(await fetchInPage(alicePage, "/api/polar/userinfo")).toEqual({
          status: 200,
          body: { sub: ALICE.id, email: ALICE.email, email_verified: true },
        });
        // Signed out, the API route answers 401 JSON instead of redirecting.
        const stranger = await browser.newContext();
        const page = await stranger.newPage();
        await page.goto(`${run.app}/`);
        expect(await fetchInPage(page, "/api/polar/userinfo")).toMatchObject({
          status: 401,
          body: { error: "unauthenticated" },
        });
        await stranger.close();
      });

      it("Deny → back on the home page with a friendly message, signed out", async () => {
        const context = await browser.newContext();
        const page = await context.newPage();
        await reachConsent(page, run, BOB.email);
        await page.getByRole("button", { name: "Deny" }).click();
        await page.waitForURL((url) => url.origin === run.app && url.pathname === "/");
        const url = new URL(page.url());
        expect(url.searchParams.get("error")).toBe("access_denied");
        expect(await page.getByRole("alert").textContent()).toBe(`Sign-in failed: ${DECLINED}`);
        expect(await page.getByRole("link", { name: "Sign in with Polar" }).count()).toBe(1);
        expect((await fetchInPage(page, "/auth/me")).status).toBe(401);
        await screenshot(page, `${framework}-denied`);
        await context.close();
      });

      it("Sign out → signed out: /auth/me 401, the dashboard sends the browser to sign in again", async () => {
        const context = await browser.newContext();
        const page = await context.newPage();
        await reachConsent(page, run, BOB.email);
        await page.getByRole("button", { name: "Allow" }).click();
        await page.waitForURL(`${run.app}/dashboard`);
        expect((await dashboard(page)).email).toBe(BOB.email);

        await page.getByRole("button", { name: "Sign out" }).click();
        await page.waitForURL(`${run.app}/`);
        expect(await page.getByRole("link", { name: "Sign in with Polar" }).count()).toBe(1);
        expect(await fetchInPage(page, "/auth/me")).toMatchObject({
          status: 401,
          body: { error: "unauthenticated" },
        });
        expect(await fetchInPage(page, "/api/polar/userinfo")).toMatchObject({ status: 401 });
        const answer = await context.request.get(`${run.app}/dashboard`, { maxRedirects: 0 });
        expect(answer.status()).toBe(302);
        expect(answer.headers().location).toBe(`${run.app}/auth/login?returnTo=%2Fdashboard`);

        // In the browser that redirect is a new authorization request at Polar. Polar (here the
        // emulator) still knows bob and his grant, so it answers without showing a page.
        const authorizations = countAuthorizations(page, run);
        await page.goto(`${run.app}/dashboard`);
        await page.waitForURL(`${run.app}/dashboard`);
        expect(authorizations.count).toBe(1);
        expect((await dashboard(page)).email).toBe(BOB.email);

        // Another person on the same browser: /auth/login?prompt=login shows the login page.
        await page.goto(`${run.app}/auth/login?prompt=login&returnTo=/dashboard`);
        await waitForEmulatorPage(page, "login");
        await page.locator(`button[data-email="${CAROL.email}"]`).click();
        await waitForEmulatorPage(page, "consent");
        await page.getByRole("button", { name: "Allow" }).click();
        await page.waitForURL(`${run.app}/dashboard`);
        expect(await dashboard(page)).toMatchObject({
          email: CAROL.email,
          sub: CAROL.id,
          organizations: "None.",
        });
        await context.close();
      });

      it("a second pnpm dev on the same state registers nothing, and alice is still signed in", async () => {
        const before = run.env();
        stopped.push(await run.process.stop({ ctrlC: true }));
        const first = run;
        // Same ports and directory; this time the app asks for organizations (POLAR_SUB_TYPE
        // passes through dev.mjs to the app; bootstrap's client is the same).
        run = await startDev(framework, {
          appPort: ports[0]!,
          emulatorPort: ports[1]!,
          dir: dir.path,
          env: { POLAR_SUB_TYPE: "organization" },
        });
        expect(first.process.groupAlive()).toBe(false);
        const out = run.process.output;
        expect(out).toMatch(/Polar client polar_ci_\w+ \(development\) is up to date/);
        expect(out).not.toContain("Registered");
        expect(out).not.toContain("POST /v1/oauth2/register");
        expect(run.env()).toEqual(before);

        // The sealed session cookie and the emulator's tokens survived the restart.
        await alicePage.goto(`${run.app}/dashboard`);
        expect(alicePage.url()).toBe(`${run.app}/dashboard`);
        expect(await dashboard(alicePage)).toMatchObject({
          email: ALICE.email,
          sub: ALICE.id,
          subType: "user",
        });
        expect(await fetchInPage(alicePage, "/api/polar/userinfo")).toMatchObject({
          status: 200,
          body: { sub: ALICE.id },
        });
        await alice.close();
      }, 90_000);

      it("sub_type=organization: alice picks an organization, signs out, and signs in with another one", async () => {
        const context = await browser.newContext();
        const page = await context.newPage();
        await reachConsent(page, run, ALICE.email);
        await expectConsentPage(page, run);
        expect(await page.locator("main").textContent()).toContain(
          "requests the following permissions to your personal Polar account",
        );
        expect(await page.locator("legend").textContent()).toBe("Choose one organization");
        const choices = page.locator('input[name="organizations"]');
        expect(
          await choices.evaluateAll((inputs) =>
            inputs.map((input) => (input as unknown as { value: string }).value),
          ),
        ).toEqual([ALICE.organizations.acme, ALICE.organizations.aliceLabs]);
        await page.getByLabel(/Alice Labs/).check();
        await screenshot(page, `${framework}-consent-organization`);

        await page.getByRole("button", { name: "Allow" }).click();
        await page.waitForURL(`${run.app}/dashboard`);
        // Polar issues user tokens only: the subject is alice, limited to the organization she chose.
        // Through polar.api: only the chosen organization, and its products.
        expect(await dashboard(page)).toMatchObject({
          sub: ALICE.id,
          subType: "organization",
          organization: ALICE.organizations.aliceLabs,
          organizations: ["Alice Labs alice-labs"],
          products: [
            "Lifetime license: 199.00 USD once",
            "Team: 96.00 USD / year",
            "Pro: 10.00 USD / month",
          ],
        });
        await screenshot(page, `${framework}-dashboard-organization`);
        expect(await fetchInPage(page, "/api/polar/userinfo")).toMatchObject({
          status: 200,
          body: { sub: ALICE.id },
        });

        // Again, in the same browser: the emulator remembers alice and her consent, which on
        // Polar skips the picker and fails the sign-in; the kit's prompt=consent brings it back.
        await page.getByRole("button", { name: "Sign out" }).click();
        await page.waitForURL(`${run.app}/`);
        await page.getByRole("link", { name: "Sign in with Polar" }).click();
        await waitForEmulatorPage(page, "consent");
        await page.getByLabel(/Acme Inc/).check();
        await page.getByRole("button", { name: "Allow" }).click();
        await page.waitForURL(`${run.app}/dashboard`);
        expect(await dashboard(page)).toMatchObject({
          sub: ALICE.id,
          subType: "organization",
          organization: ALICE.organizations.acme,
          organizations: ["Acme Inc acme"],
        });
        await context.close();
      });

      it("wrote the screenshots to test/e2e/artifacts", () => {
        for (const name of [
          "consent",
          "dashboard",
          "consent-organization",
          "dashboard-organization",
        ]) {
          const png = readFileSync(join(ARTIFACTS, `${framework}-${name}.png`));
          expect(png.subarray(1, 4).toString("latin1")).toBe("PNG");
          expect(png.length).toBeGreaterThan(2_000);
        }
      });
    },
  );
}
