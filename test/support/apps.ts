import { once } from "node:events";
import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type PolarAuthOptions, type PolarConfig, PolarSessionEndedError } from "@polar-oauth/core";
import * as polarExpress from "@polar-oauth/express";
import * as polarKoa from "@polar-oauth/koa";
import express from "express";
import Koa from "koa";

/** A running test app with the kit mounted. */
export interface KitApp {
  url: string;
  server: Server;
  ready: Promise<unknown>;
  close(): Promise<void>;
}

/** The two adapters, so one table of cases runs through both. */
export type Framework = "express" | "koa";
export const FRAMEWORKS: Framework[] = ["express", "koa"];

/**
 * Listens on 127.0.0.1:0 first (the redirect URI needs the port), then builds the config
 * with `makeConfig(origin)` and mounts the kit in a small app with these routes:
 * `/` public; `/dashboard` requireAuth → session JSON; `/api/token` requireAuth →
 * `{ accessToken }` via getAccessToken(); `/api/orders` requireScopes("orders:write");
 * `/boom` getAccessToken() then throws.
 */
export async function startApp(
  framework: Framework,
  makeConfig: (origin: string) => PolarConfig | Promise<PolarConfig>,
  options: PolarAuthOptions = {},
): Promise<KitApp> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const config = await makeConfig(origin);
  const { listener, ready } =
    framework === "express" ? expressApp(config, options) : koaApp(config, options);
  ready.catch(() => {});
  server.on("request", listener);
  return {
    url: origin,
    server,
    ready,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * The request listener of the same test app `startApp` serves, with a fresh kit (e.g. to
 * "restart" an app on its port: same config, no memory of the previous instance).
 */
export function createAppListener(
  framework: Framework,
  config: PolarConfig,
  options: PolarAuthOptions = {},
): { listener: RequestListener; ready: Promise<unknown> } {
  return framework === "express" ? expressApp(config, options) : koaApp(config, options);
}

function expressApp(config: PolarConfig, options: PolarAuthOptions) {
  const app = express();
  const auth = polarExpress.polarAuth(config, options);
  app.use(auth);
  app.get("/", (_req, res) => {
    res.send("home");
  });
  app.get("/dashboard", polarExpress.requireAuth(), (req, res) => {
    res.json(req.polar.session);
  });
  app.get("/api/token", polarExpress.requireAuth(), async (req, res) => {
    try {
      res.json({ accessToken: await req.polar.getAccessToken() });
    } catch (error) {
      if (error instanceof PolarSessionEndedError) res.status(401).json({ error: error.code });
      else res.status(503).json({ error: (error as { code?: string }).code });
    }
  });
  app.get("/api/orders", polarExpress.requireScopes("orders:write"), (_req, res) => {
    res.send("orders");
  });
  app.get("/boom", async (req, _res, next) => {
    try {
      await req.polar.getAccessToken();
    } catch {}
    next(new Error("boom"));
  });
  return { listener: app as unknown as RequestListener, ready: auth.ready };
}

function koaApp(config: PolarConfig, options: PolarAuthOptions) {
  const app = new Koa();
  app.silent = true;
  const auth = polarKoa.polarAuth(config, options);
  app.use(auth);
  const route =
    (path: string, ...handlers: Koa.Middleware[]): Koa.Middleware =>
    async (ctx, next) => {
      if (ctx.path !== path) return next();
      const run = async (i: number): Promise<void> => {
        const handler = handlers[i];
        if (handler) await handler(ctx, () => run(i + 1));
      };
      await run(0);
    };
  app.use(
    route("/", (ctx) => {
      ctx.body = "home";
    }),
  );
  app.use(
    route("/dashboard", polarKoa.requireAuth(), (ctx) => {
      ctx.body = ctx.state.polar.session;
    }),
  );
  app.use(
    route("/api/token", polarKoa.requireAuth(), async (ctx) => {
      try {
        ctx.body = { accessToken: await ctx.state.polar.getAccessToken() };
      } catch (error) {
        ctx.status = error instanceof PolarSessionEndedError ? 401 : 503;
        ctx.body = { error: (error as { code?: string }).code };
      }
    }),
  );
  app.use(
    route("/api/orders", polarKoa.requireScopes("orders:write"), (ctx) => {
      ctx.body = "orders";
    }),
  );
  app.use(
    route("/boom", async (ctx) => {
      try {
        await ctx.state.polar.getAccessToken();
      } catch {}
      throw new Error("boom");
    }),
  );
  return { listener: app.callback() as RequestListener, ready: auth.ready };
}
