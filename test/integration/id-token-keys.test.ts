import { type Emulator, startEmulator } from "@polar-oauth/emulator";
import { afterAll, describe, expect, it } from "vitest";
import { jsonOf } from "../support/browser.js";
import { type Kit, signIn, startKit, TestBrowser } from "../support/kit.js";

/**
 * Polar's id_tokens have no `kid` and its JWKS holds two RSA keys while it rotates them
 * (emulator option `extraJwk`): openid-client alone refuses that ("multiple applicable keys
 * found, a kid is required"); the kit tries every RS256 key (core flow/id-token-signature.ts).
 */
describe.each(["first", "last"] as const)(
  "an id_token without kid, the JWKS holding two RSA keys (the other one %s)",
  (position) => {
    const started: Array<Emulator | Kit> = [];
    afterAll(() => Promise.all(started.map((s) => s.close())));

    it.each(["express", "koa"] as const)("%s: the kit signs in", async (framework) => {
      const emulator = await startEmulator({ rateLimits: false, extraJwk: position });
      started.push(emulator);
      let idTokenClaims: Record<string, unknown> | undefined;
      const kit = await startKit({
        framework,
        emulator,
        options: {
          onLogin: (login) => {
            idTokenClaims = login.idTokenClaims;
            return undefined;
          },
        },
      });
      started.push(kit);
      const jwks = (await (await fetch(`${emulator.url}/.well-known/jwks.json`)).json()) as {
        keys: unknown[];
      };
      expect(jwks.keys).toHaveLength(2);

      const browser = new TestBrowser();
      const { callback } = await signIn(browser, kit, { user: emulator.fixtures.users[0]!.email });

      expect(callback.status).toBe(302);
      expect(kit.logs.filter((line) => line.includes("sign-in failed"))).toEqual([]);
      const me = await jsonOf(await browser.get(`${kit.url}/dashboard`));
      expect(me.user).toMatchObject({ email: emulator.fixtures.users[0]!.email });
      expect(idTokenClaims?.aud).toEqual([kit.clientId]);
    });
  },
);
