/**
 * Child processes of the benchmark: servers pinned to one core, the load generator (autocannon)
 * to the other, when `taskset` exists. Children run TypeScript through the same loader as the
 * parent (its `execArgv`, i.e. tsx).
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { CannonOptions, CannonResult } from "./cannon.js";
import type { ServerKind, ServerStats } from "./fixtures.js";

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

/** CPU placement: server core, load-generator core, or none when `taskset` is missing. */
export interface Pinning {
  server: string | undefined;
  load: string | undefined;
}

/** Pins servers to CPU 0 and load to CPU 1 when there are two CPUs and `taskset` exists. */
export function choosePinning(cpuCount: number, disabled: boolean): Pinning {
  if (disabled || cpuCount < 2) return { server: undefined, load: undefined };
  try {
    execFileSync("sh", ["-c", "command -v taskset"], { stdio: "ignore" });
  } catch {
    return { server: undefined, load: undefined };
  }
  return { server: "0", load: String(cpuCount - 1) };
}

/** Moves this process (the orchestrator, which also hosts the emulator) to the load core. */
export function pinSelf(pinning: Pinning): void {
  if (!pinning.load) return;
  try {
    execFileSync("taskset", ["-cp", pinning.load, String(process.pid)], { stdio: "ignore" });
  } catch {}
}

function spawnNode(
  cpu: string | undefined,
  script: string,
  args: string[],
  extraNodeArgs: string[] = [],
): ChildProcess {
  const nodeArgs = [...process.execArgv, ...extraNodeArgs, here(script), ...args];
  const [command, commandArgs] = cpu
    ? ["taskset", ["-c", cpu, process.execPath, ...nodeArgs]]
    : [process.execPath, nodeArgs];
  return spawn(command, commandArgs as string[], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    env: { ...process.env, NODE_ENV: "production" },
  });
}

function nextMessage<T>(child: ChildProcess, type: string, timeoutMs = 60_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no "${type}" message from child within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (message: { type?: string }) => {
      if (message?.type !== type) return;
      cleanup();
      resolve(message as T);
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`child exited (${code}) before sending "${type}"`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      child.off("message", onMessage);
      child.off("exit", onExit);
    };
    child.on("message", onMessage);
    child.on("exit", onExit);
  });
}

/** A running benchmark server. */
export interface BenchServer {
  kind: ServerKind;
  url: string;
  stats(): Promise<ServerStats>;
  stop(): Promise<void>;
}

/**
 * Starts one server: it listens, `configure(url)` registers what it needs at the emulator,
 * then the app is mounted. `nodeArgs` adds Node flags (e.g. `--cpu-prof`).
 */
export async function startServer(
  kind: ServerKind,
  pinning: Pinning,
  configure: (url: string) => Promise<Record<string, unknown>>,
  nodeArgs: string[] = [],
): Promise<BenchServer> {
  const child = spawnNode(pinning.server, "./servers.ts", [kind], nodeArgs);
  const { url } = await nextMessage<{ url: string }>(child, "listening");
  const ready = nextMessage(child, "ready");
  child.send({ type: "configure", ...(await configure(url)) });
  await ready;
  return {
    kind,
    url,
    async stats() {
      const answer = nextMessage<ServerStats>(child, "stats");
      child.send({ type: "stats" });
      return answer;
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.send({ type: "stop" });
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Runs autocannon once in its own process on the load core. */
export async function runCannon(options: CannonOptions, pinning: Pinning): Promise<CannonResult> {
  const child = spawnNode(pinning.load, "./cannon.ts", [JSON.stringify(options)]);
  const result = await nextMessage<CannonResult & { type?: string }>(
    child,
    "cannon",
    (options.durationSeconds + 60) * 1000,
  );
  return result;
}

/** Runs a script that sends one `{ type }` message with its result, pinned like a server. */
export async function runChild<T>(
  script: string,
  args: string[],
  type: string,
  pinning: Pinning,
  timeoutMs = 600_000,
  nodeArgs: string[] = [],
): Promise<T> {
  const child = spawnNode(pinning.server, script, args, nodeArgs);
  return nextMessage<T>(child, type, timeoutMs);
}
