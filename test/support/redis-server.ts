import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

/** The redis-server binary: `REDIS_SERVER_PATH`, else the one on PATH (Debian's `redis-server`). */
export const REDIS_SERVER = process.env.REDIS_SERVER_PATH ?? "redis-server";

/**
 * True when a redis-server can be started here. Suites skip without one, except under `CI`,
 * where `.ci/run` installs Debian's and they must run.
 */
export function redisServerAvailable(): boolean {
  const found = spawnSync(REDIS_SERVER, ["--version"], { stdio: "ignore" }).status === 0;
  if (!found && process.env.CI) {
    throw new Error(
      `${REDIS_SERVER} not found under CI: .ci/run installs it (apt-get install redis-server).`,
    );
  }
  if (!found) console.warn(`[tests] ${REDIS_SERVER} not found: Redis suites skipped.`);
  return found;
}

/** A redis-server of the test's own: a free port, a temp dir, no persistence. */
export interface TestRedis {
  readonly url: string;
  readonly port: number;
  /** Kills the server (SIGKILL, like a crash): clients lose it, and every key goes with it. */
  stop(): Promise<void>;
  /** Starts it again on the same port (empty: no persistence). */
  start(): Promise<void>;
  /** Stops it and removes its directory. */
  close(): Promise<void>;
}

/** Starts a redis-server on a free 127.0.0.1 port in a fresh temp dir. */
export async function startRedisServer(): Promise<TestRedis> {
  const dir = await mkdtemp(join(tmpdir(), "polar-oauth-redis-"));
  const port = await freePort();
  let child: ChildProcess | undefined;

  async function start(): Promise<void> {
    const proc = spawn(
      REDIS_SERVER,
      [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        dir,
        "--save",
        "",
        "--appendonly",
        "no",
        "--daemonize",
        "no",
        "--logfile",
        join(dir, "redis.log"),
      ],
      { stdio: "ignore" },
    );
    child = proc;
    const deadline = Date.now() + 10_000;
    while (!(await ping(port))) {
      if (proc.exitCode !== null)
        throw new Error(`redis-server exited (${proc.exitCode}); see ${dir}/redis.log`);
      if (Date.now() > deadline) throw new Error("redis-server did not answer PING in 10 s");
      await sleep(20);
    }
  }

  async function stop(): Promise<void> {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null) return;
    const exited = once(proc, "exit");
    proc.kill("SIGKILL");
    await exited;
  }

  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop,
    start,
    async close() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: "127.0.0.1" });
    let answer = "";
    socket.setTimeout(500, () => socket.destroy());
    socket.on("connect", () => socket.write("PING\r\n"));
    socket.on("data", (chunk) => {
      answer += chunk.toString();
      if (answer.includes("\r\n")) {
        socket.end();
        resolve(answer.startsWith("+PONG"));
      }
    });
    socket.on("error", () => resolve(false));
    socket.on("close", () => resolve(answer.startsWith("+PONG")));
  });
}
