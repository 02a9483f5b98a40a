/**
 * The granted scope as the token response spells it: a stray space (two between scopes, one at
 * either end) gives no empty scope, neither to onLogin nor in the session.
 */
import type { PolarLogin } from "@polar-oauth/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hostileSignIn, startHostileApp, TestBrowser } from "../security/support/harness.js";
import { type HostilePolar, startHostilePolar } from "../security/support/hostile-polar.js";
import { FRAMEWORKS } from "../support/apps.js";
import { jsonOf } from "../support/browser.js";
import { closeAfterEach } from "../support/close-after-each.js";

let hostile: HostilePolar;
beforeAll(async () => {
  hostile = await startHostilePolar({
    tokenBody: (body) => ({ ...body, scope: ` ${String(body.scope).split(" ").join("  ")} ` }),
  });
});
afterAll(() => hostile.close());

const closers = closeAfterEach();

describe.each(FRAMEWORKS)("granted scope through %s", (framework) => {
  it("a scope string with stray spaces gives the scopes without an empty one", async () => {
    const logins: PolarLogin[] = [];
    const app = await startHostileApp(
      framework,
      hostile,
      {},
      {
        onLogin: (login) => {
          logins.push(login);
          return undefined;
        },
      },
    );
    closers.push(() => app.close());
    const browser = new TestBrowser();
    await hostileSignIn(browser, app);
    expect(logins[0]!.scopes).toEqual(["openid", "profile", "email"]);
    const me = await jsonOf(await browser.get(`${app.url}/auth/me`));
    expect(me.scopes).toEqual(["openid", "profile", "email"]);
  });
});
