// From the installed tarballs: `polar-oauth --help`, `polar-emulator --help`, then the Express
// example (compiled by tsc into build/example) signs alice in against the installed emulator,
// registered by the installed CLI's `bootstrap`. Plain fetch with the emulator's cookie jar.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { parseEnv } from "node:util";
import { BrowserSession, completeAuthorization } from "@polar-oauth/emulator";

const children = [];
const freePort = () =>
  new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
const binary = (name) => `node_modules/.bin/${name}`;

async function waitFor(url) {
  for (let i = 0; i < 150; i++) {
    try {
      await (await fetch(url, { redirect: "manual" })).body?.cancel();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`${url} did not answer`);
}

function start(command, args, env) {
  const child = spawn(command, args, {
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "inherit"],
  });
  children.push(child);
  return child;
}

try {
  for (const [name, expected] of [
    ["polar-oauth", /bootstrap/],
    ["polar-emulator", /--port/],
  ]) {
    const help = execFileSync(binary(name), ["--help"], { encoding: "utf8" });
    assert.match(help, expected, `${name} --help`);
    console.log(`  ${name} --help: ${help.split("\n")[0]}`);
  }

  const emulatorPort = await freePort();
  const appPort = await freePort();
  const server = `http://127.0.0.1:${emulatorPort}`;
  const app = `http://localhost:${appPort}`;
  start(binary("polar-emulator"), ["--port", String(emulatorPort)]);
  await waitFor(`${server}/.well-known/openid-configuration`);

  const envFile = ".env.development.local";
  rmSync(envFile, { force: true }); // a new emulator knows no client yet
  const client = ["--name", "Consumer example", "--redirect-uri", `${app}/auth/callback`];
  const bootstrap = `bootstrap --env development --out ${envFile} --yes --server`.split(" ");
  execFileSync(binary("polar-oauth"), [...bootstrap, server, ...client], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  // bootstrap wrote POLAR_SERVER (the emulator) and a SESSION_SECRET beside the credentials.
  const env = {
    ...parseEnv(readFileSync(envFile, "utf8")),
    ENVIRONMENT: "development",
    PORT: String(appPort),
  };
  start(process.execPath, ["build/example/server.js"], env);
  await waitFor(app);

  const jar = new BrowserSession();
  const get = async (url) => {
    const target = new URL(url, app);
    const cookie = jar.header(target);
    const response = await fetch(target, { redirect: "manual", headers: cookie ? { cookie } : {} });
    jar.store(response.headers.getSetCookie(), target);
    return response;
  };
  const login = await get("/auth/login?returnTo=/dashboard");
  assert.equal(login.status, 302, "login redirects to Polar");
  const { redirectTo } = await completeAuthorization(login.headers.get("location"), {
    user: "alice@example.com",
  });
  const callback = await get(redirectTo);
  assert.equal(
    new URL(callback.headers.get("location"), app).href,
    `${app}/dashboard`,
    "the callback returns to /dashboard",
  );
  const dashboard = await get("/dashboard");
  assert.equal(dashboard.status, 200);
  assert.match(await dashboard.text(), /<dd id="email">alice@example\.com<\/dd>/);
  console.log("  the installed Express example signed alice in against the installed emulator");
} finally {
  for (const child of children) child.kill("SIGTERM");
}
