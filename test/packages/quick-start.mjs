// Runs a package README's quick start (its marked blocks, see readme-blocks.mjs) in a new empty
// npm project with the packed tarballs, then signs alice in on the app it started: plain HTTP
// through the installed emulator's login and consent pages, with its cookie jar.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { README_PORTS, readmeBlocks, withPorts, withTarballs } from "./readme-blocks.mjs";

const freePort = () =>
  new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

async function waitFor(url, what, logs) {
  for (let i = 0; i < 300; i++) {
    try {
      await (await fetch(url, { redirect: "manual" })).body?.cancel();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`${what} did not answer at ${url}:\n${logs()}`);
}

/**
 * Runs the quick start of `readme` in `dir` and signs alice in; `paths` are the app's pages to
 * check once signed in (each `{ path, expect(response) }`). `env` is the only environment the
 * blocks get (PATH, HOME and npm's settings): nothing configures the app but its files.
 */
export async function runQuickStart({ readme, dir, tarballs, env, paths, log }) {
  const blocks = readmeBlocks(readFileSync(readme, "utf8"));
  assert.ok(
    blocks.some((b) => b.kind === "serve"),
    `${readme} has no test:packages serve block`,
  );
  mkdirSync(dir, { recursive: true });
  const ports = {};
  for (const port of README_PORTS) ports[port] = await freePort();
  const children = [];
  const logFiles = [];
  const logs = () =>
    logFiles.map((file) => `--- ${file}\n${readFileSync(file, "utf8")}`).join("\n");
  let redis;
  try {
    if (blocks.some((b) => /\b6379\b/.test(b.code))) {
      // The README's Redis (localhost:6379) is a redis-server of this run's own.
      redis = spawn(
        "redis-server",
        ["--port", String(ports[6379]), "--save", "", "--appendonly", "no"],
        {
          stdio: "ignore",
        },
      );
    }
    for (const [index, block] of blocks.entries()) {
      const code = withTarballs(withPorts(block.code, ports), tarballs);
      if (block.kind === "file") {
        for (const name of block.args) writeFileSync(join(dir, name), `${code}\n`);
        log(`  file ${block.args.join(", ")}`);
      } else if (block.kind === "run") {
        log(`  $ ${code.replaceAll(/\s*\n\s*/g, "; ").slice(0, 160)}`);
        execFileSync("sh", ["-ec", code], {
          cwd: dir,
          env,
          stdio: ["ignore", "inherit", "inherit"],
        });
      } else {
        const port = ports[block.args[0]] ?? Number(block.args[0]);
        log(`  $ ${code} &   (waits for port ${port})`);
        const file = join(dir, `serve-${index}.log`);
        logFiles.push(file);
        const out = openSync(file, "w");
        // Its own process group, so the npx → node chain stops as one.
        const child = spawn("sh", ["-ec", code], {
          cwd: dir,
          env,
          stdio: ["ignore", out, out],
          detached: true,
        });
        children.push(child);
        await waitFor(`http://127.0.0.1:${port}/`, code, logs);
      }
    }

    const app = `http://localhost:${ports[3000]}`;
    const require = createRequire(join(dir, "package.json"));
    const { BrowserSession, completeAuthorization } = await import(
      pathToFileURL(require.resolve("@polar-oauth/emulator")).href
    );
    const jar = new BrowserSession();
    const get = async (path) => {
      const target = new URL(path, app);
      const cookie = jar.header(target);
      const response = await fetch(target, {
        redirect: "manual",
        headers: cookie ? { cookie } : {},
      });
      jar.store(response.headers.getSetCookie(), target);
      return response;
    };
    const login = await get("/auth/login");
    assert.equal(login.status, 302, `GET /auth/login answered ${login.status}:\n${logs()}`);
    const { redirectTo } = await completeAuthorization(login.headers.get("location"), {
      user: "alice@example.com",
    });
    const callback = await get(redirectTo);
    assert.ok(
      [302, 303].includes(callback.status) && !/error=/.test(callback.headers.get("location")),
      `the callback answered ${callback.status} ${callback.headers.get("location")}:\n${logs()}`,
    );
    for (const { path, expect } of paths) {
      const response = await get(path);
      await expect(response, path);
    }
  } finally {
    for (const child of children) {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        // already gone
      }
    }
    redis?.kill("SIGTERM");
  }
}
