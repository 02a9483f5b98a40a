import { once } from "node:events";
import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  type PolarApi,
  type PolarAuthOptions,
  type PolarConfig,
  PolarInsufficientScopeError,
  PolarSessionEndedError,
} from "@polar-oauth/core";
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
 * `/boom` getAccessToken() then throws; Polar's API through `polar.api` (see {@link API_ROUTES}).
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

/** What an API route answers: the call's result, or the kit's error as status + code. */
async function callPolar(call: () => Promise<unknown>): Promise<{ status: number; body: unknown }> {
  try {
    return { status: 200, body: await call() };
  } catch (error) {
    if (error instanceof PolarSessionEndedError)
      return { status: 401, body: { error: error.code, message: error.message } };
    if (error instanceof PolarInsufficientScopeError) {
      const { code, message, requiredScope } = error;
      return { status: 403, body: { error: code, message, requiredScope } };
    }
    const { code, name, message } = error as { code?: string; name: string; message: string };
    return { status: 502, body: { error: code ?? name, message } };
  }
}

/**
 * Routes that call Polar as the signed-in user. `/api/polar/organizations` and
 * `/api/polar/dashboard` sit behind requireAuth(); `/api/polar/open` does not (so a signed-out
 * call reaches the kit's SESSION_ENDED).
 */
export const API_ROUTES: Record<string, (api: PolarApi) => Promise<unknown>> = {
  "/api/polar/organizations": async (api) =>
    (await api.organizations.list()).items.map(({ id, name, slug }) => ({ id, name, slug })),
  "/api/polar/products": async (api) =>
    (await api.products.list()).items.map(({ id, name, organization_id }) => ({
      id,
      name,
      organization_id,
    })),
  // Two calls at once: one refresh, one Set-Cookie.
  "/api/polar/dashboard": async (api) => {
    const [organizations, subscriptions] = await Promise.all([
      api.organizations.list(),
      api.subscriptions.list({ limit: 1 }),
    ]);
    return {
      organizations: organizations.items.length,
      subscriptions: subscriptions.pagination.total_count,
    };
  },
  "/api/polar/open": async (api) => (await api.organizations.list()).items.length,
};
const GUARDED = new Set([
  "/api/polar/organizations",
  "/api/polar/products",
  "/api/polar/dashboard",
]);

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
  for (const [path, call] of Object.entries(API_ROUTES)) {
    const guard = GUARDED.has(path)
      ? polarExpress.requireAuth()
      : (_req: unknown, _res: unknown, next: () => void) => next();
    app.get(path, guard, async (req, res) => {
      const { status, body } = await callPolar(() => call(req.polar.api));
      res.status(status).json(body);
    });
  }
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
  for (const [path, call] of Object.entries(API_ROUTES)) {
    const answer: Koa.Middleware = async (ctx) => {
      const { status, body } = await callPolar(() => call(ctx.state.polar.api));
      ctx.status = status;
      ctx.body = body;
    };
    app.use(GUARDED.has(path) ? route(path, polarKoa.requireAuth(), answer) : route(path, answer));
  }
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
