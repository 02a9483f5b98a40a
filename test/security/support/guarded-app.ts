import { once } from "node:events";
import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { PolarAuthOptions, PolarConfig } from "@polar-oauth/core";
import * as polarExpress from "@polar-oauth/express";
import * as polarKoa from "@polar-oauth/koa";
import express from "express";
import Koa from "koa";
import type { Framework, KitApp } from "../../support/apps.js";

/**
 * An app that protects *every* path with `requireAuth()` (a common setup: `app.use(polarAuth());
 * app.use(requireAuth())`), so any request path, however odd, reaches the kit's guard and
 * becomes the `returnTo` of its login redirect. Signed-in requests answer `ok <path>`.
 */
export async function startGuardedApp(
  framework: Framework,
  makeConfig: (origin: string) => PolarConfig,
  options: PolarAuthOptions = {},
): Promise<KitApp> {
  const server: Server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const config = makeConfig(origin);
  let listener: RequestListener;
  let ready: Promise<unknown>;
  if (framework === "express") {
    const app = express();
    const auth = polarExpress.polarAuth(config, options);
    app.use(auth);
    app.use(polarExpress.requireAuth());
    app.use((req, res) => {
      res.type("text/plain").send(`ok ${req.path}`);
    });
    listener = app as unknown as RequestListener;
    ready = auth.ready;
  } else {
    const app = new Koa();
    app.silent = true;
    const auth = polarKoa.polarAuth(config, options);
    app.use(auth);
    app.use(polarKoa.requireAuth());
    app.use((ctx) => {
      ctx.type = "text/plain";
      ctx.body = `ok ${ctx.path}`;
    });
    listener = app.callback() as RequestListener;
    ready = auth.ready;
  }
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
