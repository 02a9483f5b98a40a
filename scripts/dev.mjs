#!/usr/bin/env node
// `pnpm dev` (Express) / `pnpm dev:koa`: the local emulator, `polar-oauth bootstrap` for the
// development client, the startup check, then the example app on http://localhost:3000.
// Everything runs offline; Ctrl-C stops it all.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseEnv } from "node:util";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const framework = process.argv[2] === "koa" ? "koa" : "express";
const EMULATOR_PORT = Number(process.env.POLAR_EMULATOR_PORT ?? 4000);
const APP_PORT = Number(process.env.PORT ?? 3000);
const server = `http://127.0.0.1:${EMULATOR_PORT}`;
const app = `http://localhost:${APP_PORT}`;
// POLAR_DEV_DIR moves the emulator state and the dotenv file elsewhere (the e2e tests use it).
const workDir = process.env.POLAR_DEV_DIR ?? root;
const stateDir = join(workDir, ".polar-dev");
const statePath = join(stateDir, "emulator-state.json");
const envPath = join(workDir, ".env.development.local");
const children = new Set();

const color = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code, text) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
const say = (message) => console.log(`${paint(36, "[dev]")} ${message}`);
const fail = (message) => {
  console.error(`${paint(31, "[dev]")} ${message}`);
  stop(1);
};

function start(name, args, options = {}) {
  const child = spawn(process.execPath, args, { cwd: root, stdio: "inherit", ...options });
  children.add(child);
  child.on("exit", (code, signal) => {
    children.delete(child);
    if (!stopping && options.longRunning) fail(`${name} stopped (${signal ?? `exit ${code}`}).`);
  });
  return child;
}

function run(name, args, env) {
  return new Promise((resolve) => {
    const child = start(name, args, { env });
    child.on("exit", (code) => resolve(code ?? 1));
  });
}

async function waitFor(url, what, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, { redirect: "manual" });
      await response.body?.cancel();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  fail(`${what} did not answer at ${url} within ${timeoutMs / 1000} s.`);
}

let stopping = false;
function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  for (const child of children) child.kill("SIGTERM");
  setTimeout(() => process.exit(code), 300).unref();
  if (children.size === 0) process.exit(code);
}
process.on("SIGINT", () => stop(0));
process.on("SIGTERM", () => stop(0));

mkdirSync(stateDir, { recursive: true });
const freshEmulator = !existsSync(statePath);
const dotenv = () => (existsSync(envPath) ? parseEnv(readFileSync(envPath, "utf8")) : {});

say(`starting the Polar emulator on ${server}`);
start(
  "the emulator",
  [
    "packages/emulator/bin/polar-emulator.js",
    "--port",
    String(EMULATOR_PORT),
    "--persist",
    statePath,
  ],
  {
    longRunning: true,
  },
);
await waitFor(`${server}/.well-known/openid-configuration`, "The emulator");

say("registering (or reconciling) the development client with polar-oauth bootstrap");
const bootstrap = [
  "packages/cli/bin/polar-oauth.js",
  "bootstrap",
  "--env",
  "development",
  "--server",
  server,
  "--name",
  "Polar OAuth example",
  "--redirect-uri",
  `${app}/auth/callback`,
  "--client-uri",
  app,
  "--logo-uri",
  `${app}/logo.svg`,
  "--out",
  envPath,
  "--yes",
];
// A new emulator has forgotten clients registered before: register a new one.
if (freshEmulator && dotenv().POLAR_CLIENT_ID_DEV) bootstrap.push("--force-new");
if ((await run("bootstrap", bootstrap, process.env)) !== 0) fail("bootstrap failed (see above).");

/** The examples' dashboards read organizations and products through `polar.api`: ask for both. */
const EXAMPLE_SCOPES = "openid profile email organizations:read products:read";
const env = {
  POLAR_SCOPES: EXAMPLE_SCOPES,
  ...process.env,
  ...dotenv(),
  ENVIRONMENT: "development",
  POLAR_SERVER: server,
  PORT: String(APP_PORT),
};

say("checking that the redirect URI is registered exactly (polar-oauth check)");
if (
  (await run(
    "check",
    ["packages/cli/bin/polar-oauth.js", "check", "--env", "development"],
    env,
  )) !== 0
) {
  fail("the startup check failed (see above).");
}

say(`starting the ${framework} example on ${app}`);
start(`the ${framework} example`, ["--import", "tsx", `examples/${framework}/src/server.ts`], {
  env,
  longRunning: true,
});
await waitFor(app, "The example app");

console.log(`
  ${paint(1, "Ready.")} Open ${paint(4, app)} and click "Sign in with Polar".
  On the emulator's login page pick a test user, e.g. alice@example.com; then Allow.
  Ctrl-C stops the emulator and the app.
`);
