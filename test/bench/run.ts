/**
 * `pnpm bench` (full) / `pnpm bench --smoke` (tiny, for CI): polar-oauth side by side with bare
 * Express and Koa, express-openid-connect and express-session + passport; `/auth/login`
 * throughput; the login round trip, upstream call budget and memory against the emulator.
 *
 * Options: `--smoke`, `--rounds N`, `--duration S` (seconds per measurement), `--warmup S`,
 * `--connections N`, `--logins N` (round trip), `--cookies N` (memory), `--no-pin`,
 * `--profile <server kinds>` (comma-separated; those servers run with `node --cpu-prof`, and a
 * summary of each lands in `results/profile-<kind>.md`), `--out <dir>` (default `results/`, smoke writes nothing unless
 * given), `--only <entry ids>` (e.g. `koa,koa-kit`: just those and their baselines, nothing
 * else, no files written).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { Secret } from "@polar-oauth/core";
import { completeAuthorization, type Emulator, startEmulator } from "@polar-oauth/emulator";
import { createSessionStore } from "../../packages/core/src/session/store.js";
import { TestBrowser } from "../support/browser.js";
import { redisServerAvailable, startRedisServer } from "../support/redis-server.js";
import { budgetViolations, measureUpstreamBudget, type UpstreamBudget } from "./budget.js";
import type { CannonResult } from "./cannon.js";
import {
  BARE_SUB,
  BENCH_SESSION_SECRET,
  SERVER_KINDS,
  type ServerKind,
  sampleSession,
} from "./fixtures.js";
import type { MemoryResult } from "./memory.js";
import type { MicroResult } from "./micro.js";
import {
  type MultiInstanceResult,
  measureMultiInstance,
  multiInstanceViolations,
} from "./multi-instance.js";
import {
  type BenchServer,
  choosePinning,
  type Pinning,
  pinSelf,
  runCannon,
  runChild,
  startServer,
} from "./processes.js";
import { summarizeProfile } from "./profile.js";
import {
  type BenchReport,
  type EntryResult,
  type Measurement,
  median,
  renderChart,
  renderMarkdown,
  targetsOf,
} from "./report.js";

interface Settings {
  smoke: boolean;
  rounds: number;
  durationSeconds: number;
  warmupSeconds: number;
  connections: number;
  logins: number;
  cookies: number;
  pin: boolean;
  profile: ServerKind[];
  out: string | undefined;
  /** Entry ids to measure (and their baselines); skips the other sections. */
  only: string[] | undefined;
}

function parseArgs(argv: string[]): Settings {
  const value = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const smoke = argv.includes("--smoke");
  const number = (name: string, full: number, small: number) =>
    Number(value(name) ?? (smoke ? small : full));
  const profile = (value("--profile")?.split(",") ?? []) as ServerKind[];
  if (profile.some((kind) => !SERVER_KINDS.includes(kind)))
    throw new Error(`--profile takes server kinds among ${SERVER_KINDS.join(", ")}`);
  return {
    smoke,
    rounds: number("--rounds", 7, 1),
    durationSeconds: number("--duration", 4, 1),
    warmupSeconds: number("--warmup", 2, 0),
    connections: number("--connections", 10, 10),
    logins: number("--logins", 30, 3),
    cookies: number("--cookies", 100_000, 2_000),
    pin: !argv.includes("--no-pin"),
    profile,
    only: value("--only")?.split(","),
    out:
      value("--out") ?? (smoke ? undefined : fileURLToPath(new URL("./results/", import.meta.url))),
  };
}

/** One line of the comparison: which server, which path, with which cookie. */
interface Entry {
  id: string;
  label: string;
  server: ServerKind;
  path: string;
  /** Entry this one is divided by, within each round. */
  baseline: string;
  expect: "json" | "redirect";
  cookie?: string | undefined;
}

/** An entry before its server runs: how to get its signed-in cookie. */
interface EntrySpec extends Omit<Entry, "cookie"> {
  signIn?: (server: BenchServer) => Promise<string>;
}

/** The comparison, in the order each round measures it. */
const ENTRIES: EntrySpec[] = [
  {
    id: "express",
    label: "Express 5 (bare)",
    server: "express-bare",
    path: "/dashboard",
    baseline: "express",
    expect: "json",
  },
  {
    id: "express-noop",
    label: "Express + no-op middleware and guard (floor)",
    server: "express-noop",
    path: "/dashboard",
    baseline: "express",
    expect: "json",
  },
  {
    id: "express-kit",
    label: "Express + polar-oauth requireAuth()",
    server: "express-kit",
    path: "/dashboard",
    baseline: "express",
    expect: "json",
    signIn: kitSession,
  },
  {
    id: "express-kit-redis",
    label: "Express + polar-oauth, Redis store",
    server: "express-kit-redis",
    path: "/dashboard",
    baseline: "express",
    expect: "json",
    signIn: kitSession,
  },
  {
    id: "express-eoc",
    label: "Express + express-openid-connect",
    server: "express-eoc",
    path: "/dashboard",
    baseline: "express",
    expect: "json",
    signIn: eocSession,
  },
  {
    id: "express-passport",
    label: "Express + express-session + passport",
    server: "express-passport",
    path: "/dashboard",
    baseline: "express",
    expect: "json",
    signIn: passportSession,
  },
  {
    id: "koa",
    label: "Koa 3 (bare)",
    server: "koa-bare",
    path: "/dashboard",
    baseline: "koa",
    expect: "json",
  },
  {
    id: "koa-kit",
    label: "Koa + polar-oauth requireAuth()",
    server: "koa-kit",
    path: "/dashboard",
    baseline: "koa",
    expect: "json",
    signIn: kitSession,
  },
  {
    id: "login-kit",
    label: "polar-oauth GET /auth/login",
    server: "express-kit",
    path: "/auth/login",
    baseline: "login-eoc",
    expect: "redirect",
  },
  {
    id: "login-eoc",
    label: "express-openid-connect GET /login",
    server: "express-eoc",
    path: "/login",
    baseline: "login-eoc",
    expect: "redirect",
  },
];

const log = (line: string) => process.stderr.write(`${line}\n`);

async function main() {
  const settings = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const loadAtStart = os.loadavg()[0]!;
  const cpus = os.cpus();
  const pinning: Pinning = choosePinning(cpus.length, !settings.pin);
  pinSelf(pinning);
  log(
    `bench: ${settings.smoke ? "smoke" : "full"} run, ${settings.rounds} round(s) × ${settings.durationSeconds}s, ${settings.connections} connections, ${pinning.server ? `server on CPU ${pinning.server}, load on CPU ${pinning.load}` : "no CPU pinning"}`,
  );

  const emulator = await startEmulator({ issuer: "self", rateLimits: false });
  // The Redis store's entries need a redis-server of the bench's own (installed by .ci/run).
  const redis = redisServerAvailable() ? await startRedisServer() : undefined;
  if (!redis)
    log("no redis-server: the Redis store's entries and multi-instance figures are skipped");
  const servers = new Map<ServerKind, BenchServer>();
  try {
    const available = ENTRIES.filter((e) => redis || e.server !== "express-kit-redis");
    const wanted = settings.only
      ? available.filter(
          (e) =>
            settings.only!.includes(e.id) ||
            settings.only!.some((id) => available.find((x) => x.id === id)?.baseline === e.id),
        )
      : available;
    // Started together (each pinned to the server core; idle once up), measured one at a time.
    await Promise.all(
      SERVER_KINDS.filter((kind) => wanted.some((e) => e.server === kind)).map(async (kind) => {
        const nodeArgs = settings.profile.includes(kind)
          ? ["--cpu-prof", `--cpu-prof-dir=${profileDir(settings, kind)}`]
          : [];
        servers.set(
          kind,
          await startServer(
            kind,
            pinning,
            (url) => configure(emulator, kind, url, redis?.url),
            nodeArgs,
          ),
        );
      }),
    );
    const get = (kind: ServerKind) => servers.get(kind)!;
    // Bare servers get the same bytes as the kit's requests: a session cookie they ignore.
    const ignoredCookie = await sampleSessionCookie();
    const entries: Entry[] = [];
    for (const spec of wanted) {
      const cookie = spec.signIn
        ? await spec.signIn(get(spec.server))
        : spec.expect === "json"
          ? ignoredCookie
          : undefined;
      entries.push({ ...spec, cookie });
    }
    for (const entry of entries) await verifyEntry(entry, get(entry.server));

    const cannonFor = (entry: Entry, durationSeconds: number) => ({
      url: `${get(entry.server).url}${entry.path}`,
      connections: settings.connections,
      durationSeconds,
      headers: { accept: "text/html", ...(entry.cookie ? { cookie: entry.cookie } : {}) },
      expectBody: entry.expect === "json" ? JSON.stringify({ sub: BARE_SUB }) : undefined,
    });
    if (settings.warmupSeconds > 0) {
      log(`warming up each entry for ${settings.warmupSeconds}s`);
      for (const entry of entries)
        await runCannon(cannonFor(entry, settings.warmupSeconds), pinning);
    }

    const measurements: Measurement[] = [];
    for (let round = 1; round <= settings.rounds; round++) {
      for (const entry of entries) {
        const server = get(entry.server);
        const before = await server.stats();
        const result: CannonResult = await runCannon(
          cannonFor(entry, settings.durationSeconds),
          pinning,
        );
        const after = await server.stats();
        const served = after.requests - before.requests;
        measurements.push({
          entry: entry.id,
          round,
          requestsPerSecond: result.requestsPerSecond,
          p99Ms: result.p99Ms,
          cpuMicrosPerRequest: served > 0 ? (after.cpuMicros - before.cpuMicros) / served : 0,
          requests: result.totalRequests,
          wrong:
            result.errors +
            result.timeouts +
            result.mismatches +
            (entry.expect === "json"
              ? result.totalRequests - (result.statuses["2xx"] ?? 0)
              : result.totalRequests - (result.statuses["3xx"] ?? 0)),
          rssBytes: after.rss,
        });
        log(
          `round ${round} ${entry.label.padEnd(40)} ${result.requestsPerSecond.toFixed(0).padStart(6)} req/s  p99 ${result.p99Ms} ms  ${served > 0 ? ((after.cpuMicros - before.cpuMicros) / served).toFixed(0) : "?"} µs CPU/req`,
        );
      }
    }
    const results: EntryResult[] = entries.map((entry) => {
      const own = measurements.filter((m) => m.entry === entry.id);
      const bases = own.map((m) =>
        measurements.find((b) => b.entry === entry.baseline && b.round === m.round),
      );
      const ratios = own.map((m, i) => m.requestsPerSecond / (bases[i]?.requestsPerSecond ?? NaN));
      const cpuRatios = own.map(
        (m, i) => (bases[i]?.cpuMicrosPerRequest ?? NaN) / m.cpuMicrosPerRequest,
      );
      return {
        id: entry.id,
        label: entry.label,
        baseline: entries.find((e) => e.id === entry.baseline)!.label,
        requestsPerSecond: median(own.map((m) => m.requestsPerSecond)),
        p99Ms: median(own.map((m) => m.p99Ms)),
        cpuMicrosPerRequest: median(own.map((m) => m.cpuMicrosPerRequest)),
        ratio: median(ratios),
        cpuRatio: median(cpuRatios),
        ratioRange: [Math.min(...ratios), Math.max(...ratios)],
        wrongResponses: own.reduce((sum, m) => sum + m.wrong, 0),
      };
    });

    if (settings.only) {
      for (const r of results)
        log(
          `${r.label.padEnd(40)} ${r.requestsPerSecond.toFixed(0).padStart(6)} req/s  p99 ${r.p99Ms} ms  ${r.cpuMicrosPerRequest.toFixed(0)} µs CPU/req  ${r.ratio.toFixed(2)}× ${r.baseline}`,
        );
      for (const server of servers.values()) await server.stop();
      servers.clear();
      for (const kind of settings.profile) {
        const summary = summarizeProfile(profileDir(settings, kind), kind);
        if (settings.out) writeFileSync(`${settings.out}/profile-${kind}.md`, `${summary}\n`);
        process.stdout.write(`${summary}\n`);
      }
      return;
    }

    log(`login round trip: ${settings.logins} sequential sign-ins through Express + polar-oauth`);
    const roundTrip = await measureRoundTrip(get("express-kit"), settings.logins);

    for (const server of servers.values()) await server.stop();
    servers.clear();

    // Micro-benchmark of the read path, with no server running.
    const micro = await runChild<MicroResult>(
      "./micro.ts",
      settings.smoke ? ["--smoke"] : [],
      "micro",
      pinning,
    );
    log(
      `read path: hit ${micro.readHitMicros.toFixed(2)} µs, miss ${micro.readMissMicros.toFixed(1)} µs, issue ${micro.issueMicros.toFixed(1)} µs, core request path ${micro.requestPathMicros.toFixed(2)} µs`,
    );

    log("upstream call budget (emulator stats)");
    const budgets: UpstreamBudget[] = [];
    for (const framework of ["express", "koa"] as const)
      budgets.push(await measureUpstreamBudget(emulator, framework, { logins: 3, concurrent: 50 }));

    let multiInstance: MultiInstanceResult | undefined;
    if (redis) {
      log("multi-instance: revocation propagation and a cross-instance refresh storm");
      multiInstance = await measureMultiInstance(emulator, redis.url, {
        revocations: settings.smoke ? 50 : 500,
        concurrent: 60,
      });
      log(
        `propagation p50 ${multiInstance.propagation.p50Ms.toFixed(2)} ms, p99 ${multiInstance.propagation.p99Ms.toFixed(2)} ms; storm: ${multiInstance.storm.refreshes} refresh, p50 ${multiInstance.storm.p50Ms.toFixed(1)} ms, p99 ${multiInstance.storm.p99Ms.toFixed(1)} ms`,
      );
    }

    log(`memory: ${settings.cookies} distinct session cookies through the read path`);
    const memory = await runChild<MemoryResult>(
      "./memory.ts",
      [String(settings.cookies)],
      "memory",
      pinning,
      900_000,
      ["--expose-gc"],
    );

    const report: BenchReport = {
      date: new Date().toISOString(),
      mode: settings.smoke ? "smoke" : "full",
      machine: {
        cpu: cpus[0]?.model.trim() ?? "unknown",
        cores: cpus.length,
        node: process.version,
        platform: `${os.type()} ${os.release()} ${os.arch()}`,
        memoryGiB: Math.round(os.totalmem() / 2 ** 30),
        pinning: pinning.server
          ? `server on CPU ${pinning.server}, autocannon on CPU ${pinning.load} (taskset)`
          : "no pinning",
        loadAverage: [loadAtStart, os.loadavg()[0]!],
      },
      settings: {
        rounds: settings.rounds,
        durationSeconds: settings.durationSeconds,
        warmupSeconds: settings.warmupSeconds,
        connections: settings.connections,
      },
      micro,
      results,
      measurements,
      roundTrip,
      budgets,
      memory,
      multiInstance,
      seconds: (performance.now() - started) / 1000,
    };
    const markdown = renderMarkdown(report);
    process.stdout.write(`${markdown}\n`);
    if (settings.out) {
      mkdirSync(settings.out, { recursive: true });
      writeFileSync(`${settings.out}/latest.md`, `${markdown}\n`);
      writeFileSync(`${settings.out}/latest.json`, `${JSON.stringify(report, null, 2)}\n`);
      writeFileSync(`${settings.out}/latest.svg`, renderChart(report));
      log(`wrote ${settings.out}/latest.{md,json,svg}`);
    }
    for (const kind of settings.profile) {
      const summary = summarizeProfile(profileDir(settings, kind), kind);
      if (settings.out) writeFileSync(`${settings.out}/profile-${kind}.md`, `${summary}\n`);
      process.stdout.write(`\n${summary}\n`);
    }

    // Failures that are not timings: wrong answers, or an inexact upstream budget.
    const problems = [
      ...results
        .filter((r) => r.wrongResponses > 0)
        .map((r) => `${r.label}: ${r.wrongResponses} unexpected responses`),
      ...budgets.flatMap((b) => budgetViolations(b).map((v) => `budget (${b.framework}): ${v}`)),
      ...(multiInstance ? multiInstanceViolations(multiInstance) : []).map(
        (v) => `multi-instance: ${v}`,
      ),
    ];
    const targets = targetsOf(report);
    const missed = targets.filter((t) => t.kind === "ratio" && !t.met);
    if (missed.length > 0 && !settings.smoke)
      log(`targets missed (timings, not failures): ${missed.map((t) => t.name).join("; ")}`);
    if (problems.length > 0) {
      log(`bench FAILED:\n  ${problems.join("\n  ")}`);
      process.exitCode = 1;
    }
    log(`bench done in ${report.seconds.toFixed(1)}s`);
  } finally {
    for (const server of servers.values()) await server.stop().catch(() => {});
    await emulator.close();
    await redis?.close();
  }
}

/** Where a profiled server writes its `.cpuprofile` files (git-ignored). */
function profileDir(settings: Settings, kind: ServerKind): string {
  return `${settings.out ?? fileURLToPath(new URL("./results/", import.meta.url))}/profiles/${kind}`;
}

/** Registers the OAuth client a server needs at the emulator, for its origin. */
async function configure(
  emulator: Emulator,
  kind: ServerKind,
  url: string,
  redisUrl: string | undefined,
) {
  const callback = kind === "express-eoc" ? `${url}/callback` : `${url}/auth/callback`;
  const client = await emulator.registerClient({
    client_name: `bench ${kind}`,
    redirect_uris: [callback],
    token_endpoint_auth_method: "client_secret_post",
  });
  return {
    emulatorUrl: emulator.url,
    clientId: client.client_id,
    clientSecret: client.client_secret ?? "",
    sessionSecret: BENCH_SESSION_SECRET,
    redisUrl,
  };
}

/** A valid-looking kit session cookie (sealed with the bench secret) for the bare servers. */
async function sampleSessionCookie(): Promise<string> {
  const store = createSessionStore({
    clientId: "polar_ci_test",
    config: {
      secrets: [new Secret(BENCH_SESSION_SECRET)],
      cookieName: "polar_session",
      idleTimeoutSeconds: 7 * 86_400,
      absoluteTimeoutSeconds: 30 * 86_400,
    },
    secure: false,
    now: Date.now,
    cacheSize: 0,
    rollingIntervalSeconds: 3600,
  });
  return (await store.issue(sampleSession(store.start()))).split(";")[0]!;
}

/** Signs in through the kit (login → emulator pages → callback) and returns the Cookie header. */
async function kitSession(server: BenchServer): Promise<string> {
  const browser = new TestBrowser();
  await signInThrough(browser, `${server.url}/auth/login`);
  const cookie = browser.cookie("polar_session");
  if (!cookie) throw new Error(`${server.kind}: no session cookie after sign-in`);
  return `polar_session=${cookie.value}`;
}

/** Signs in through express-openid-connect against the emulator; returns its appSession cookie. */
async function eocSession(server: BenchServer): Promise<string> {
  const browser = new TestBrowser();
  await signInThrough(browser, `${server.url}/login`);
  const cookie = browser.cookie("appSession");
  if (!cookie) throw new Error(`${server.kind}: no appSession cookie after sign-in`);
  return `appSession=${cookie.value}`;
}

async function passportSession(server: BenchServer): Promise<string> {
  const browser = new TestBrowser();
  await browser.get(`${server.url}/login`);
  const cookie = browser.cookie("connect.sid");
  if (!cookie) throw new Error(`${server.kind}: no connect.sid cookie after req.login()`);
  return `connect.sid=${cookie.value}`;
}

async function signInThrough(browser: TestBrowser, loginUrl: string): Promise<void> {
  const login = await browser.get(loginUrl);
  const location = login.headers.get("location");
  if (login.status !== 302 || !location)
    throw new Error(`${loginUrl} answered ${login.status}: ${await login.text()}`);
  const { redirectTo } = await completeAuthorization(location, { user: "alice@example.com" });
  const callback = await browser.get(redirectTo);
  if (callback.status !== 302)
    throw new Error(`callback answered ${callback.status}: ${await callback.text()}`);
}

/** One request through the entry's exact setting, checked before anything is timed. */
async function verifyEntry(entry: Entry, server: BenchServer): Promise<void> {
  const response = await fetch(`${server.url}${entry.path}`, {
    headers: { accept: "text/html", ...(entry.cookie ? { cookie: entry.cookie } : {}) },
    redirect: "manual",
  });
  const body = await response.text();
  const ok =
    entry.expect === "json"
      ? response.status === 200 && body === JSON.stringify({ sub: BARE_SUB })
      : response.status === 302 && response.headers.getSetCookie().length > 0;
  if (!ok)
    throw new Error(
      `${entry.label}: ${entry.path} answered ${response.status} ${body.slice(0, 200)}`,
    );
}

/** Sequential full sign-ins: /auth/login → emulator login + consent → callback → /auth/me. */
async function measureRoundTrip(server: BenchServer, logins: number) {
  const samples: number[] = [];
  for (let i = 0; i < logins; i++) {
    const browser = new TestBrowser();
    const t0 = performance.now();
    await signInThrough(browser, `${server.url}/auth/login`);
    const me = await browser.get(`${server.url}/auth/me`, { accept: "application/json" });
    if (me.status !== 200) throw new Error(`/auth/me answered ${me.status}`);
    await me.arrayBuffer();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  return {
    logins,
    meanMs: samples.reduce((a, b) => a + b, 0) / samples.length,
    p95Ms: samples[Math.min(samples.length - 1, Math.ceil(samples.length * 0.95) - 1)]!,
    minMs: samples[0]!,
    maxMs: samples[samples.length - 1]!,
  };
}

await main();
