import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { parseCliArgs } from "../src/cli-args.js";

const BIN = fileURLToPath(new URL("../bin/polar-emulator.js", import.meta.url));
const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
});

function run(args: string[]): {
  child: ChildProcess;
  output: () => string;
  exit: Promise<number | null>;
} {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr!.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => output, exit };
}

async function waitFor(
  check: () => RegExpMatchArray | null,
  timeoutMs = 20_000,
): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = check();
    if (match) return match;
    if (Date.now() > deadline) throw new Error("timed out waiting for the emulator");
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("polar-emulator binary", () => {
  it("starts on a free port, serves discovery, logs one line per request and stops on SIGTERM", async () => {
    const proc = run(["--port", "0", "--issuer", "self", "--no-rate-limits"]);
    const [, url] = await waitFor(() =>
      proc.output().match(/listening on (http:\/\/127\.0\.0\.1:\d+)/),
    );
    expect(proc.output()).toContain("polar_pat_emulator_alice");
    const discovery = (await (await fetch(`${url}/.well-known/openid-configuration`)).json()) as {
      issuer: string;
    };
    expect(discovery.issuer).toBe(url);
    await waitFor(() =>
      proc.output().match(/GET \/\.well-known\/openid-configuration 200 \d+\.\dms/),
    );
    proc.child.kill("SIGTERM");
    expect(await proc.exit).toBe(0);
  }, 30_000);

  it("--host 0.0.0.0 prints the address it really bound and warns loudly on stderr", async () => {
    const proc = run(["--port", "0", "--host", "0.0.0.0", "--no-rate-limits"]);
    const [, port] = await waitFor(() =>
      proc
        .output()
        .match(/listening on 0\.0\.0\.0:(\d+) \(from this machine: http:\/\/127\.0\.0\.1:\d+\)/),
    );
    await waitFor(() => proc.output().match(/WARNING: polar-emulator is listening on 0\.0\.0\.0/));
    expect(proc.output()).toMatch(/no password/);
    expect(proc.output()).toMatch(/--host 127\.0\.0\.1/);
    const discovery = await fetch(`http://127.0.0.1:${port}/.well-known/openid-configuration`);
    expect(((await discovery.json()) as Record<string, unknown>).polar_oauth_emulator).toBe(true);
    proc.child.kill("SIGTERM");
    expect(await proc.exit).toBe(0);
  }, 30_000);

  it("on loopback (the default) there is no warning _guard_", async () => {
    const proc = run(["--port", "0", "--no-rate-limits"]);
    await waitFor(() => proc.output().match(/Press Ctrl\+C to stop/));
    expect(proc.output()).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+\n/);
    expect(proc.output()).not.toContain("WARNING");
    proc.child.kill("SIGTERM");
    expect(await proc.exit).toBe(0);
  }, 30_000);

  it("--help prints usage; a bad flag exits 2 with the reason", async () => {
    const help = run(["--help"]);
    expect(await help.exit).toBe(0);
    expect(help.output()).toContain("Usage: polar-emulator");
    const bad = run(["--prot", "4000"]);
    expect(await bad.exit).toBe(2);
    expect(bad.output()).toMatch(/Unknown option '--prot'/);
  }, 30_000);
});

describe("parseCliArgs", () => {
  it("maps flags to startEmulator options with CLI defaults", () => {
    expect(parseCliArgs([])).toEqual({
      help: false,
      options: { port: 4000, host: "127.0.0.1", rateLimits: "polar-sandbox" },
    });
    expect(
      parseCliArgs([
        "--port",
        "0",
        "--host",
        "0.0.0.0",
        "--issuer",
        "self",
        "--fixtures",
        "f.json",
        "--no-rate-limits",
        "--persist",
        "s.json",
      ]),
    ).toEqual({
      help: false,
      options: {
        port: 0,
        host: "0.0.0.0",
        issuer: "self",
        fixtures: "f.json",
        rateLimits: false,
        persistPath: "s.json",
      },
    });
    expect(() => parseCliArgs(["--port", "http"])).toThrow(/--port must be an integer/);
    expect(parseCliArgs(["-h"])).toEqual({ help: true });
    expect(parseCliArgs(["--rate-limits", "polar-sandbox"])).toMatchObject({
      options: { rateLimits: "polar-sandbox" },
    });
    expect(parseCliArgs(["--rate-limits", "off"])).toMatchObject({
      options: { rateLimits: false },
    });
    expect(parseCliArgs(["--rate-limits", "seed"])).toMatchObject({ options: { rateLimits: {} } });
    expect(() => parseCliArgs(["--rate-limits", "hourly"])).toThrow(/--rate-limits must be/);
  });
});
