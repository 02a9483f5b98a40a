import type { PolarError } from "@polar-oauth/core";
import { afterEach, describe, expect, it } from "vitest";
import { FRAMEWORKS } from "../support/apps.js";
import {
  expectNoSecrets,
  expectSignedOut,
  hostileSignIn,
  SESSION_SECRET,
  STACK_TRACE,
  setsSession,
  startHostileApp,
  TestBrowser,
} from "./support/harness.js";
import { HOSTILE_CASES, HOSTILE_TIMEOUT_MS, SHOWN } from "./support/hostile-cases.js";
import { type HostilePolar, startHostilePolar } from "./support/hostile-polar.js";

/**
 * A hostile authorization server, one misbehaviour per case, every case through both adapters
 * and both ways of reporting a failed sign-in (the built-in 4xx page, and a redirect to the
 * app's `loginErrorPath` with the reason). The kit must refuse every one: no session cookie,
 * `/auth/me` 401 afterwards, never a 5xx, no stack trace, no secret or token in the answer or
 * in the logs.
 */
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((close) => close()));
});

describe.each(FRAMEWORKS)("hostile Polar through %s", (framework) => {
  describe.each(["page", "redirect"] as const)("failure shown as a %s", (mode) => {
    it.each(HOSTILE_CASES)("refuses: $name", async (hostileCase) => {
      const hostile: HostilePolar = await startHostilePolar(hostileCase.misbehaviour);
      const reported: PolarError[] = [];
      const app = await startHostileApp(
        framework,
        hostile,
        { timeoutMs: HOSTILE_TIMEOUT_MS, ...hostileCase.config },
        {
          onError: (error) => reported.push(error),
          ...(mode === "redirect" ? { loginErrorPath: "/signin-failed" } : {}),
        },
      );
      cleanups.push(
        () => app.close(),
        () => hostile.close(),
      );
      const browser = new TestBrowser();

      let refused: Response;
      let attacker = browser;
      if (hostileCase.scenario === "replay") {
        let copy: TestBrowser | undefined;
        const first = await hostileSignIn(browser, app, {
          beforeCallback: (_url, b) => {
            copy = b.clone();
          },
        });
        expect(first.callback.status).toBe(302);
        expect(setsSession(first.callback)).toBe(true);
        attacker = copy!;
        refused = await attacker.get(first.callbackUrl);
        // The kit refused before calling Polar: the code was exchanged once.
        expect(hostile.record.tokenRequests).toHaveLength(1);
      } else {
        // A hanging Polar ends in the kit's own timeout (the test's would fail it otherwise).
        ({ callback: refused } = await hostileSignIn(browser, app));
      }
      const { failure, detail } = hostileCase;
      expect(app.logs.filter((line) => line.startsWith("warn sign-in failed"))).toEqual([
        `warn sign-in failed: ${failure}${detail === undefined ? "" : ` (${detail})`}`,
      ]);
      expect(reported.map((error) => error.code)).toEqual([`LOGIN_${failure.toUpperCase()}`]);
      const shown = hostileCase.shown ?? SHOWN[failure];

      const body = await refused.text();
      const expectedStatus = hostileCase.status ?? 400;
      if (mode === "page") {
        expect(refused.status).toBe(expectedStatus);
        expect(body).toContain(`<code>${failure}</code>`);
        expect(body).toContain(`<p id="reason">${shown.replaceAll("'", "&#39;")}</p>`);
        expect(refused.headers.get("content-type")).toMatch(/^text\/html/);
        if (expectedStatus === 429) expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);
      } else {
        expect(refused.status).toBe(302);
        const target = new URL(refused.headers.get("location")!);
        expect(target.origin).toBe(app.url);
        expect(target.pathname).toBe("/signin-failed");
        expect(target.searchParams.get("error")).toBe(hostileCase.failure);
        expect(target.searchParams.get("error_description")).toBe(shown);
      }
      expect(refused.status).toBeLessThan(500);
      expect(refused.headers.get("cache-control")).toBe("no-store");
      expect(setsSession(refused)).toBe(false);
      expect(body).not.toMatch(STACK_TRACE);
      expect(body).not.toMatch(/<script|<img|onerror/i);
      const location = refused.headers.get("location") ?? "";
      const secrets = [...hostile.secrets(), SESSION_SECRET];
      expectNoSecrets(body + location, secrets, "the answer");
      expectNoSecrets(app.logs.join("\n"), secrets, "the logs");
      expect(app.logs.join("\n")).not.toMatch(STACK_TRACE);
      await expectSignedOut(attacker, app);
    });
  });
});
