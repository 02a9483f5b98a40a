import { once } from "node:events";
import { createServer, type RequestListener } from "node:http";
import type { AddressInfo } from "node:net";
import { definePolarConfig } from "@polar-oauth/core";
import { type Emulator, startEmulator } from "@polar-oauth/emulator";
import * as polarExpress from "@polar-oauth/express";
import * as polarKoa from "@polar-oauth/koa";
import express4 from "express4";
import Koa2 from "koa2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jsonOf } from "../support/browser.js";
import { signIn, TEST_SESSION_SECRET, TestBrowser } from "../support/kit.js";

// The adapters' peer ranges include Express 4 and Koa 2: one sign-in, /auth/me and logout each.
let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ rateLimits: false });
});
afterAll(() => emulator.close());

async function serve(build: (config: ReturnType<typeof definePolarConfig>) => RequestListener) {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = await emulator.registerClient({
    client_name: "older framework",
    redirect_uris: [`${url}/auth/callback`],
  });
  const config = definePolarConfig({
    server: emulator.url,
    clientId: client.client_id,
    clientSecret: client.client_secret!,
    redirectUri: `${url}/auth/callback`,
    registrationAccessToken: client.registration_access_token,
    session: { secrets: TEST_SESSION_SECRET },
  });
  server.on("request", build(config));
  return { url, close: () => server.close() };
}

const silent = { logger: { info() {}, warn() {}, error() {} } };

describe.each([
  [
    "Express 4",
    (config: ReturnType<typeof definePolarConfig>) => {
      const app = express4();
      app.use(polarExpress.polarAuth(config, silent));
      return app as unknown as RequestListener;
    },
  ],
  [
    "Koa 2",
    (config: ReturnType<typeof definePolarConfig>) => {
      const app = new Koa2();
      app.use(polarKoa.polarAuth(config, silent));
      return app.callback() as RequestListener;
    },
  ],
])("%s", (_name, build) => {
  it("signs in, shows /auth/me, signs out", async () => {
    const app = await serve(build);
    try {
      const browser = new TestBrowser();
      const { callback } = await signIn(browser, app, { user: "bob@example.com" });
      expect(callback.status).toBe(302);
      const me = await browser.get(`${app.url}/auth/me`);
      expect((await jsonOf(me)).user.email).toBe("bob@example.com");
      const out = await browser.post(`${app.url}/auth/logout`, { origin: app.url });
      expect(out.status).toBe(303);
      expect((await browser.get(`${app.url}/auth/me`)).status).toBe(401);
    } finally {
      app.close();
    }
  });
});
