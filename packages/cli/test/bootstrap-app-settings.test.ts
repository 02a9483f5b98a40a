import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { resolvePolarServer } from "@polar-oauth/core/setup";
import {
  BrowserSession,
  completeAuthorization,
  type Emulator,
  startEmulator,
} from "@polar-oauth/emulator";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { appSettingEntries } from "../src/app-settings.js";
import { layerEnv } from "../src/env-sources.js";
import { assertNoSecretPrinted, readEnvFile, runBin, tempDir } from "./support.js";

// `bootstrap` writes a file the app can run on alone: POLAR_SERVER when the client lives
// elsewhere than the environment's default, and outside production a generated SESSION_SECRET.

let emulator: Emulator;
const apps: ChildProcess[] = [];

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, rateLimits: false });
});

afterAll(async () => {
  for (const app of apps) app.kill("SIGTERM");
  assertNoSecretPrinted();
  await emulator.close();
});

const APP = fileURLToPath(new URL("./fixtures/env-file-app.mjs", import.meta.url));

async function freePort(): Promise<number> {
  const probe = createServer().listen(0, "127.0.0.1");
  await once(probe, "listening");
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** `node --env-file=<file> app`, with nothing else in its environment but PATH and HOME. */
async function startApp(cwd: string, file: string, base: string): Promise<void> {
  let stderr = "";
  const app = spawn(process.execPath, [`--env-file=${file}`, APP], {
    cwd,
    env: { PATH: process.env.PATH ?? "", HOME: cwd },
    stdio: ["ignore", "ignore", "pipe"],
  });
  apps.push(app);
  app.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  for (let i = 0; i < 200; i++) {
    if (app.exitCode !== null) throw new Error(`the app exited: ${stderr}`);
    try {
      await (await fetch(base)).body?.cancel();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`the app did not answer at ${base}: ${stderr}`);
}

/** Signs alice in through the app and the emulator; answers what `/` then says. */
async function signIn(base: string): Promise<string> {
  const login = await fetch(`${base}/auth/login`, { redirect: "manual" });
  expect(login.status).toBe(302);
  const transaction = login.headers.getSetCookie()[0]!.split(";")[0]!;
  const { redirectTo } = await completeAuthorization(login.headers.get("location")!, {
    user: "alice@example.com",
    session: new BrowserSession(),
  });
  const callback = await fetch(redirectTo, {
    redirect: "manual",
    headers: { cookie: transaction },
  });
  const session = callback.headers.getSetCookie().find((c) => c.startsWith("polar_session="));
  expect(session, `the callback answered ${callback.status}`).toBeDefined();
  const page = await fetch(base, { headers: { cookie: session!.split(";")[0]! } });
  return page.text();
}

describe("bootstrap: the file it writes runs the app alone", () => {
  test("--server <emulator> in an empty folder writes POLAR_SERVER and a SESSION_SECRET; node --env-file signs in", async () => {
    const dir = await tempDir();
    const port = await freePort();
    const base = `http://localhost:${port}`;
    const file = join(dir, ".env.development.local");
    const args = ["bootstrap", "--server", emulator.url, "--name", "Alone"];
    const result = await runBin([...args, "--redirect-uri", `${base}/auth/callback`], {
      cwd: dir,
    });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const vars = await readEnvFile(file); // remembers SESSION_SECRET for the secret scan
    expect(vars.POLAR_SERVER).toBe(emulator.url);
    expect(vars.SESSION_SECRET).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(result.stdout).toContain("POLAR_SERVER, SESSION_SECRET");
    expect(result.stdout).toContain("node --env-file=.env.development.local app.js");

    await startApp(dir, ".env.development.local", base);
    expect(await signIn(base)).toBe("Hello alice@example.com");

    // A later run registers nothing and keeps the secret (sessions stay valid).
    const again = await runBin([...args, "--redirect-uri", `${base}/auth/callback`], { cwd: dir });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/is up to date/);
    expect((await readEnvFile(file)).SESSION_SECRET).toBe(vars.SESSION_SECRET);
  });

  test("a file from an older bootstrap gets the missing settings on the next run", async () => {
    const dir = await tempDir();
    const file = join(dir, ".env.development.local");
    const args = ["bootstrap", "--server", emulator.url, "--name", "Older"];
    const uri = ["--redirect-uri", "http://localhost:3000/auth/callback"];
    expect((await runBin([...args, ...uri], { cwd: dir })).code).toBe(0);
    const text = await readFile(file, "utf8");
    await writeFile(file, text.replace(/^(POLAR_SERVER|SESSION_SECRET)=.*\n/gm, ""));
    expect(await readEnvFile(file)).not.toHaveProperty("POLAR_SERVER");

    const result = await runBin([...args, ...uri], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Wrote POLAR_SERVER, SESSION_SECRET to .env.development.local");
    const vars = await readEnvFile(file);
    expect(vars.POLAR_SERVER).toBe(emulator.url);
    expect(vars.SESSION_SECRET).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  test("a SESSION_SECRET already set (environment or file) is never replaced nor added", async () => {
    const dir = await tempDir();
    const file = join(dir, ".env.development.local");
    const secret = "set-by-the-operator-0123456789abcdefghij";
    const args = ["bootstrap", "--server", emulator.url, "--name", "Kept"];
    const uri = ["--redirect-uri", "http://localhost:3000/auth/callback"];
    const fromEnv = await runBin([...args, ...uri], { cwd: dir, env: { SESSION_SECRET: secret } });
    expect(fromEnv.code).toBe(0);
    expect(await readEnvFile(file)).not.toHaveProperty("SESSION_SECRET");

    await writeFile(file, `SESSION_SECRET=${secret}\n${await readFile(file, "utf8")}`);
    expect((await runBin([...args, ...uri, "--force-new"], { cwd: dir })).code).toBe(0);
    expect((await readEnvFile(file)).SESSION_SECRET).toBe(secret);
  });

  test("production: POLAR_SERVER is written, a SESSION_SECRET never (it stays the operator's)", async () => {
    const dir = await tempDir();
    const file = join(dir, ".env.production");
    const result = await runBin(
      [
        ...["bootstrap", "--env", "production", "--server", emulator.url, "--name", "Prod"],
        ...["--redirect-uri", "https://app.example.com/auth/callback", "--out", ".env.production"],
      ],
      { cwd: dir },
    );
    expect(result.code).toBe(0);
    const vars = await readEnvFile(file);
    expect(vars.POLAR_SERVER).toBe(emulator.url);
    expect(vars).not.toHaveProperty("SESSION_SECRET");
    expect(result.stdout).toContain("ENVIRONMENT=production node --env-file=.env.production");
  });

  test("POLAR_SERVER: not written for the environment's default server, written to correct a file naming another", async () => {
    const dir = await tempDir();
    const target = { kind: "stdout", format: "dotenv" } as const;
    const settings = async (environment: "development" | "production", server: string) =>
      appSettingEntries({
        environment,
        server: resolvePolarServer(server)!,
        layered: await layerEnv({}, ".env", dir),
        target,
      });
    expect(await settings("development", "sandbox")).toEqual([]);
    expect(await settings("production", "https://api.polar.sh/")).toEqual([]);
    expect(await settings("production", "sandbox")).toEqual([["POLAR_SERVER", "sandbox"]]);
    await writeFile(join(dir, ".env"), `POLAR_SERVER=${emulator.url}\n`);
    expect(await settings("development", "sandbox")).toEqual([["POLAR_SERVER", "sandbox"]]);
    expect(await settings("development", emulator.url)).toEqual([["POLAR_SERVER", emulator.url]]);
  });
});
