// A TypeScript app as a user writes it against the installed packages: Express, Koa, the
// framework-free core, the CLI as a library and the emulator in a test. every-export.ts (made by
// esm.mjs) adds every other public export; tsc checks both under node16 and bundler resolution.
import { type ExitCode, processIo, runCli } from "@polar-oauth/cli";
import {
  createPolarAuth,
  loadPolarConfig,
  type PolarConfig,
  PolarError,
  type PolarSession,
} from "@polar-oauth/core";
import { definePolarConfig } from "@polar-oauth/core/setup";
import { BrowserSession, completeAuthorization, startEmulator } from "@polar-oauth/emulator";
import * as polarExpress from "@polar-oauth/express";
import * as polarKoa from "@polar-oauth/koa";
import express from "express";
import Koa from "koa";

export async function expressApp(config: PolarConfig): Promise<express.Express> {
  const auth = polarExpress.polarAuth(config, { loginErrorPath: "/" });
  const app = express();
  app.use(auth);
  app.get("/me", polarExpress.requireScopes("openid"), (req, res) => {
    const session: PolarSession | undefined = req.polar.session;
    res.json({ sub: session?.user.sub });
  });
  await auth.ready;
  return app;
}

export function koaApp(config: PolarConfig): Koa {
  const app = new Koa();
  app.use(polarKoa.polarAuth(config));
  app.use(polarKoa.requireAuth());
  app.use(async (ctx) => {
    ctx.body = { sub: ctx.state.polar.session?.user.sub };
  });
  return app;
}

export async function signInOnce(): Promise<string> {
  const emulator = await startEmulator({ port: 0 });
  try {
    const client = await emulator.registerClient({
      client_name: "Consumer",
      redirect_uris: ["http://localhost:3000/auth/callback"],
    });
    const config = definePolarConfig({
      server: emulator.url,
      clientId: client.client_id,
      clientSecret: client.client_secret ?? "",
      redirectUri: "http://localhost:3000/auth/callback",
      session: { secrets: "x".repeat(32) },
    });
    const auth = createPolarAuth(config);
    const login = await auth.handle({ method: "GET", url: "/auth/login", headers: {} });
    const outcome = await completeAuthorization(login?.headers.location ?? "", {
      session: new BrowserSession(),
    });
    return outcome.redirectTo.href;
  } catch (error) {
    if (error instanceof PolarError) return error.code;
    throw error;
  } finally {
    await emulator.close();
  }
}

export const cli: Promise<ExitCode> = runCli(["--help"], processIo());
export const fromEnv: () => PolarConfig = () => loadPolarConfig(process.env);
