/**
 * One benchmark server per process (the child the orchestrator spawns, pinned to its own core).
 *
 * Protocol over IPC: the child listens on 127.0.0.1:0 and sends `{ type: "listening", url }`;
 * the parent answers `{ type: "configure", ... }` (the OAuth client it registered for that
 * origin); the child mounts the app and sends `{ type: "ready" }`. Afterwards `{ type: "stats" }`
 * is answered with the process's CPU time, RSS and the number of requests served, so the parent
 * can compute CPU µs per request around each measurement.
 *
 * Every server answers `GET /dashboard` with the same small JSON (`{ sub }`): bare frameworks
 * answer it unconditionally, the auth libraries only for a signed-in session.
 */
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { definePolarConfig, type PolarConfig } from "@polar-oauth/core";
import * as polarExpress from "@polar-oauth/express";
import * as polarKoa from "@polar-oauth/koa";
import { createRedisStore } from "@polar-oauth/redis";
import express from "express";
import { auth as eocAuth } from "express-openid-connect";
import expressSession from "express-session";
import Koa from "koa";
import passport from "passport";
import {
  BARE_SUB,
  SERVER_KINDS,
  type ServerConfigure,
  type ServerKind,
  type ServerStats,
} from "./fixtures.js";

const quietLogger = { info() {}, warn() {}, error() {} };

function kitConfig(origin: string, c: ServerConfigure): PolarConfig {
  return definePolarConfig({
    environment: "development",
    server: c.emulatorUrl,
    clientId: c.clientId,
    clientSecret: c.clientSecret,
    authMethod: "client_secret_post",
    redirectUri: `${origin}/auth/callback`,
    scopes: "openid profile email",
    subType: "user",
    session: { secrets: c.sessionSecret },
    startupCheck: "off",
  });
}

type Listener = (
  req: import("node:http").IncomingMessage,
  res: import("node:http").ServerResponse,
) => void;

function expressBare(): Listener {
  const app = express();
  app.get("/dashboard", (_req, res) => {
    res.json({ sub: BARE_SUB });
  });
  return app as unknown as Listener;
}

/**
 * The floor for any auth middleware mounted the usual way: the kit's shape (an `app.use`
 * middleware that sets a request property, a route-level guard) with nothing inside.
 */
function expressNoop(): Listener {
  const app = express();
  const user = { sub: BARE_SUB };
  app.use(async (req, _res, next) => {
    (req as unknown as { auth: typeof user }).auth = user;
    next();
  });
  const guard: express.RequestHandler = (req, res, next) => {
    if (!(req as unknown as { auth?: typeof user }).auth) {
      res.status(401).end();
      return;
    }
    next();
  };
  app.get("/dashboard", guard, (req, res) => {
    res.json({ sub: (req as unknown as { auth: typeof user }).auth.sub });
  });
  return app as unknown as Listener;
}

function expressKit(origin: string, c: ServerConfigure): Listener {
  const app = express();
  app.use(polarExpress.polarAuth(kitConfig(origin, c), { logger: quietLogger }));
  app.get("/dashboard", polarExpress.requireAuth(), (req, res) => {
    res.json({ sub: req.polar.session?.user.sub });
  });
  return app as unknown as Listener;
}

/** The kit with the Redis store: a signed-in request checks revocation in the local mirror. */
async function expressKitRedis(origin: string, c: ServerConfigure): Promise<Listener> {
  if (!c.redisUrl) throw new Error("express-kit-redis needs the bench's redis-server");
  const store = createRedisStore({ url: c.redisUrl, prefix: "bench:" });
  await store.ready;
  const app = express();
  app.use(polarExpress.polarAuth(kitConfig(origin, c), { logger: quietLogger, store }));
  app.get("/dashboard", polarExpress.requireAuth(), (req, res) => {
    res.json({ sub: req.polar.session?.user.sub });
  });
  return app as unknown as Listener;
}

function expressEoc(origin: string, c: ServerConfigure): Listener {
  const app = express();
  app.use(
    eocAuth({
      authRequired: true,
      auth0Logout: false,
      idpLogout: false,
      issuerBaseURL: c.emulatorUrl,
      baseURL: origin,
      clientID: c.clientId,
      clientSecret: c.clientSecret,
      secret: c.sessionSecret,
      clientAuthMethod: "client_secret_post",
      authorizationParams: { response_type: "code", scope: "openid profile email" },
    }),
  );
  app.get("/dashboard", (req, res) => {
    res.json({ sub: req.oidc.user?.sub });
  });
  return app as unknown as Listener;
}

function expressPassport(c: ServerConfigure): Listener {
  const users = new Map([[BARE_SUB, { sub: BARE_SUB, email: "alice@example.com" }]]);
  const app = express();
  passport.serializeUser((user, done) => done(null, (user as { sub: string }).sub));
  passport.deserializeUser((id: string, done) => done(null, users.get(id) ?? false));
  app.use(expressSession({ secret: c.sessionSecret, resave: false, saveUninitialized: false }));
  app.use(passport.session());
  // Stands in for a strategy's callback: whatever verified the user ends in req.login().
  app.get("/login", (req, res, next) => {
    req.login(users.get(BARE_SUB)!, (error) => (error ? next(error) : res.send("signed in")));
  });
  app.get("/dashboard", (req, res) => {
    if (!req.isAuthenticated()) {
      res.status(401).json({ error: "unauthenticated" });
      return;
    }
    res.json({ sub: (req.user as { sub: string }).sub });
  });
  return app as unknown as Listener;
}

function koaBare(): Listener {
  const app = new Koa();
  app.use((ctx) => {
    if (ctx.path === "/dashboard") ctx.body = { sub: BARE_SUB };
  });
  return app.callback();
}

function koaKit(origin: string, c: ServerConfigure): Listener {
  const app = new Koa();
  app.silent = true;
  const protect = polarKoa.requireAuth();
  app.use(polarKoa.polarAuth(kitConfig(origin, c), { logger: quietLogger }));
  app.use((ctx, next) => {
    if (ctx.path !== "/dashboard") return next();
    return protect(ctx, async () => {
      ctx.body = { sub: ctx.state.polar.session?.user.sub };
    });
  });
  return app.callback();
}

function build(kind: ServerKind, origin: string, c: ServerConfigure): Listener | Promise<Listener> {
  switch (kind) {
    case "express-bare":
      return expressBare();
    case "express-noop":
      return expressNoop();
    case "express-kit":
      return expressKit(origin, c);
    case "express-kit-redis":
      return expressKitRedis(origin, c);
    case "express-eoc":
      return expressEoc(origin, c);
    case "express-passport":
      return expressPassport(c);
    case "koa-bare":
      return koaBare();
    case "koa-kit":
      return koaKit(origin, c);
  }
}

async function main() {
  const kind = process.argv[2] as ServerKind;
  if (!SERVER_KINDS.includes(kind) || !process.send) {
    throw new Error(`usage: (as an IPC child) servers.ts <${SERVER_KINDS.join("|")}>`);
  }
  const send = (message: unknown) => process.send?.(message);
  const server = createServer({ keepAliveTimeout: 30_000 });
  let requests = 0;
  server.on("request", () => {
    requests++;
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  process.on("message", (message: { type: string }) => {
    if (message.type === "configure") {
      Promise.resolve(build(kind, origin, message as ServerConfigure)).then((listener) => {
        server.on("request", listener);
        send({ type: "ready" });
      });
    } else if (message.type === "stats") {
      const cpu = process.cpuUsage();
      const stats: ServerStats = {
        type: "stats",
        cpuMicros: cpu.user + cpu.system,
        requests,
        rss: process.memoryUsage.rss(),
      };
      send(stats);
    } else if (message.type === "stop") {
      server.closeAllConnections();
      server.close(() => process.exit(0));
    }
  });
  process.on("disconnect", () => process.exit(0));
  send({ type: "listening", url: origin });
}

await main();
