/**
 * An error from the app's own onLogin is the app's, whatever its message says: "fetch failed"
 * means Polar unreachable only on a TypeError (undici's own), never on any Error.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hostileSignIn, startHostileApp, TestBrowser } from "../security/support/harness.js";
import { type HostilePolar, startHostilePolar } from "../security/support/hostile-polar.js";
import { FRAMEWORKS } from "../support/apps.js";
import { closeAfterEach } from "../support/close-after-each.js";

let hostile: HostilePolar;
beforeAll(async () => {
  hostile = await startHostilePolar();
});
afterAll(() => hostile.close());

const closers = closeAfterEach();

describe.each(FRAMEWORKS)("errors from onLogin through %s", (framework) => {
  it('an Error saying "fetch failed" is not Polar unreachable: token_exchange_failed', async () => {
    const app = await startHostileApp(
      framework,
      hostile,
      {},
      {
        onLogin: () => {
          throw new Error("fetch failed");
        },
      },
    );
    closers.push(() => app.close());
    const { callback } = await hostileSignIn(new TestBrowser(), app);
    expect(callback.status).toBe(400);
    expect(await callback.text()).toContain("<code>token_exchange_failed</code>");
    expect(app.logs).toContain("warn sign-in failed: token_exchange_failed (Error)");
  });
});
