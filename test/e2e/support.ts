/**
 * Helpers for the browser end-to-end tests: free ports, the real `pnpm dev` front door
 * (`node scripts/dev.mjs`) as a child process group, and Debian's Chromium through
 * playwright-core. Never downloads a browser.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseEnv } from "node:util";
import { type Browser, chromium, type Page } from "playwright-core";
import { describe } from "vitest";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const ARTIFACTS = join(ROOT, "test/e2e/artifacts");
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export type Framework = "express" | "koa";

/**
 * `describe` when Chromium is installed. Without it: locally the suite is skipped with a loud
 * message; under CI (`CI` set) importing this module throws, so the run fails.
 */
export const describeWithChromium: typeof describe = (() => {
  if (existsSync(CHROMIUM_PATH)) return describe;
  const message = `Chromium not found at ${CHROMIUM_PATH}: the browser end-to-end tests need Debian's Chromium (apt-get install -y chromium) or CHROMIUM_PATH.`;
  if (process.env.CI) throw new Error(`${message} CI must install it (see .ci/run).`);
  console.warn(`\n${"!".repeat(100)}\n!! SKIPPING test/e2e: ${message}\n${"!".repeat(100)}\n`);
  return describe.skip as typeof describe;
})();

/** Launches headless Chromium with a fresh temporary profile (one per test file). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
      "--disable-sync",
      "--disable-quic",
    ],
  });
}

/** `count` distinct free TCP ports (all held open together while picking, then released). */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", resolve);
      });
    }
    return servers.map((server) => (server.address() as { port: number }).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  }
}

/** A temporary directory for one test file, removed by `remove()`. */
export function tempDir(prefix: string): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** A running process group (its own group, so nothing it started can outlive it). */
export class Spawned {
  output = "";
  exitCode: number | null = null;
  signal: NodeJS.Signals | null = null;
  readonly exited: Promise<void>;
  private readonly child: ChildProcess;
  private readonly listeners = new Set<() => void>();

  constructor(args: string[], env: NodeJS.ProcessEnv) {
    this.child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0", ...env },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    const collect = (chunk: Buffer) => {
      this.output += chunk.toString("utf8");
      for (const listener of this.listeners) listener();
    };
    this.child.stdout!.on("data", collect);
    this.child.stderr!.on("data", collect);
    this.exited = new Promise((resolve) => {
      this.child.on("exit", (code, signal) => {
        this.exitCode = code;
        this.signal = signal;
        for (const listener of this.listeners) listener();
        resolve();
      });
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.exitCode === null && this.signal === null;
  }

  /** Resolves once the output matches; rejects with the output when it exits first or times out. */
  waitForOutput(pattern: RegExp, timeoutMs = 45_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (pattern.test(this.output)) return done();
        if (!this.running) {
          return done(
            new Error(
              `exited (${this.exitCode ?? this.signal}) before ${pattern}:\n${this.output}`,
            ),
          );
        }
      };
      const timer = setTimeout(
        () => done(new Error(`no ${pattern} within ${timeoutMs} ms:\n${this.output}`)),
        timeoutMs,
      );
      const done = (error?: Error) => {
        clearTimeout(timer);
        this.listeners.delete(check);
        if (error) reject(error);
        else resolve();
      };
      this.listeners.add(check);
      check();
    });
  }

  /** Whether any process of the group is still alive. */
  groupAlive(): boolean {
    try {
      process.kill(-this.pid, 0);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Stops it and waits until the whole group is gone; SIGKILLs the group if it is not within
   * `graceMs`. Default: SIGTERM to the leader only (dev.mjs forwards it to its children);
   * `ctrlC` sends SIGINT to the whole group, as a terminal's Ctrl-C does. Resolves true when
   * everything stopped without the SIGKILL.
   */
  async stop(options: { ctrlC?: boolean; graceMs?: number } = {}): Promise<boolean> {
    if (this.running) {
      if (options.ctrlC) process.kill(-this.pid, "SIGINT");
      else this.child.kill("SIGTERM");
    }
    const deadline = Date.now() + (options.graceMs ?? 5_000);
    while (Date.now() < deadline) {
      if (!this.running && !this.groupAlive()) return true;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    try {
      process.kill(-this.pid, "SIGKILL");
    } catch {}
    await this.exited;
    return false;
  }
}

/** What a test needs to know about one `pnpm dev` run. */
export interface DevRun {
  process: Spawned;
  /** The example app, `http://localhost:<PORT>`. */
  app: string;
  /** The emulator, `http://127.0.0.1:<POLAR_EMULATOR_PORT>`. */
  emulator: string;
  dir: string;
  /** The dotenv file bootstrap wrote. */
  env(): Record<string, string | undefined>;
}

/**
 * Runs the `pnpm dev` front door (`node scripts/dev.mjs <framework>`) on the given ports and
 * state directory and waits for its "Ready." line.
 */
export async function startDev(
  framework: Framework,
  options: { appPort: number; emulatorPort: number; dir: string; env?: NodeJS.ProcessEnv },
): Promise<DevRun> {
  const dev = new Spawned(["scripts/dev.mjs", framework], {
    PORT: String(options.appPort),
    POLAR_EMULATOR_PORT: String(options.emulatorPort),
    POLAR_DEV_DIR: options.dir,
    ...options.env,
  });
  try {
    await dev.waitForOutput(/Ready\./);
  } catch (error) {
    await dev.stop();
    throw error;
  }
  const envPath = join(options.dir, ".env.development.local");
  return {
    process: dev,
    app: `http://localhost:${options.appPort}`,
    emulator: `http://127.0.0.1:${options.emulatorPort}`,
    dir: options.dir,
    env: () => parseEnv(readFileSync(envPath, "utf8")) as Record<string, string | undefined>,
  };
}

/**
 * Removes the screenshots whose names start with `prefix` (one framework's), so that the
 * check that they were written cannot pass on an earlier run's files.
 */
export function clearScreenshots(prefix: string): void {
  if (!existsSync(ARTIFACTS)) return;
  for (const name of readdirSync(ARTIFACTS)) {
    if (name.startsWith(prefix) && name.endsWith(".png")) rmSync(join(ARTIFACTS, name));
  }
}

/** Saves a full-page screenshot to `test/e2e/artifacts/<name>.png`. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Which emulator page is shown (`login`, `consent`, `error`), from its marker meta tag. */
export async function emulatorPage(page: Page): Promise<string | null> {
  return page
    .locator('meta[name="polar-emulator-page"]')
    .getAttribute("content", { timeout: 5_000 });
}

/** `fetch` from inside the page (same origin, the browser's cookies): status and JSON body. */
export function fetchInPage(
  page: Page,
  path: string,
): Promise<{ status: number; body: Record<string, unknown> | null }> {
  return page.evaluate(async (url) => {
    const response = await fetch(url, { headers: { accept: "application/json" } });
    const text = await response.text();
    let body: Record<string, unknown> | null = null;
    try {
      body = JSON.parse(text);
    } catch {}
    return { status: response.status, body };
  }, path);
}
