/**
 * App data from `onLogin` is the same value on every path (issue 21, item 7): normalised once
 * at sign-in (its JSON form, deep-frozen), so a cached session, one opened from its cookie
 * (another instance, or after the cache dropped it) read the same thing, and no request can
 * change what the next one reads. Both adapters, against the emulator.
 */
import { once } from "node:events";
import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  definePolarConfig,
  type PolarAuthOptions,
  type PolarConfig,
  type PolarSession,
} from "@polar-oauth/core";
import { type Emulator, startEmulator } from "@polar-oauth/emulator";
import * as polarExpress from "@polar-oauth/express";
import * as polarKoa from "@polar-oauth/koa";
import express from "express";
import Koa from "koa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signIn, TEST_SESSION_SECRET, TestBrowser } from "../support/kit.js";

/** What a route sees of `session.app`, after trying to change it. */
function inspect(session: PolarSession | undefined) {
  const app = session?.app as { when: unknown; nested: { roles: string[] } } | undefined;
  if (!app) return { app: null };
  let changed = true;
  try {
    app.nested.roles.push("intruder");
  } catch {
    changed = false;
  }
  return {
    whenType: typeof app.when,
    frozen:
      Object.isFrozen(app) && Object.isFrozen(app.nested) && Object.isFrozen(app.nested.roles),
    changed,
  };
}

function expressApp(config: PolarConfig, options: PolarAuthOptions): RequestListener {
  const app = express();
  app.use(polarExpress.polarAuth(config, options));
  app.get("/app-data", (req, res) => {
    res.json(inspect(req.polar.session));
  });
  app.get("/app-json", (req, res) => {
    res.json(req.polar.session?.app ?? null);
  });
  return app as unknown as RequestListener;
}

function koaApp(config: PolarConfig, options: PolarAuthOptions): RequestListener {
  const app = new Koa();
  app.use(polarKoa.polarAuth(config, options));
  app.use(async (ctx) => {
    const session = (ctx.state.polar as { session?: PolarSession }).session;
    if (ctx.path === "/app-data") ctx.body = inspect(session);
    if (ctx.path === "/app-json") ctx.body = session?.app ?? null;
  });
  return app.callback() as RequestListener;
}

const quiet = { info() {}, warn() {}, error() {} };

describe("app data from onLogin: one value on every path", () => {
  let emulator: Emulator;
  const servers: Server[] = [];
  const listen = async (listener?: RequestListener) => {
    const server = createServer(listener);
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    servers.push(server);
    return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  };
  beforeAll(async () => {
    emulator = await startEmulator({ rateLimits: false });
  });
  afterAll(async () => {
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    await emulator?.close();
  });

  it.each([
    ["express", expressApp],
    ["koa", koaApp],
  ] as const)(
    "%s: a cache hit, a cache miss and another instance read the same JSON value, frozen",
    async (name, build) => {
      const first = await listen();
      const client = await emulator.registerClient({
        client_name: `App data (${name})`,
        redirect_uris: [`${first.url}/auth/callback`],
        token_endpoint_auth_method: "client_secret_post",
      });
      const config = definePolarConfig({
        environment: "development",
        server: emulator.url,
        clientId: client.client_id,
        clientSecret: client.client_secret ?? undefined,
        redirectUri: `${first.url}/auth/callback`,
        session: { secrets: TEST_SESSION_SECRET },
        startupCheck: "off",
      });
      const onLogin = () => ({
        when: new Date(0),
        nested: { roles: ["admin"] },
        dropped: undefined,
      });
      // The instance that signs the user in (its cache holds the session), and another one
      // that opens the cookie on every request (no cache).
      first.server.on("request", build(config, { onLogin, logger: quiet }));
      const other = await listen(build(config, { onLogin, logger: quiet, sessionCacheSize: 0 }));

      const browser = new TestBrowser();
      await signIn(browser, { url: first.url });
      const cookie = browser.cookieHeader(new URL(first.url));
      const get = async (origin: string, path: string) =>
        (await fetch(new URL(path, origin), { headers: { cookie } })).json();

      const expected = { whenType: "string", frozen: true, changed: false };
      expect(await get(first.url, "/app-data")).toEqual(expected); // cache hit
      expect(await get(first.url, "/app-data")).toEqual(expected); // again, after a change attempt
      expect(await get(other.url, "/app-data")).toEqual(expected); // opened from the cookie
      const json = { when: "1970-01-01T00:00:00.000Z", nested: { roles: ["admin"] } };
      expect(await get(first.url, "/app-json")).toEqual(json);
      expect(await get(other.url, "/app-json")).toEqual(json);
    },
  );
});
