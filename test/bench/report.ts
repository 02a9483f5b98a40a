/** The benchmark's results as data, a Markdown report and an SVG bar chart. */
import type { UpstreamBudget } from "./budget.js";
import type { MemoryResult } from "./memory.js";
import type { MicroResult } from "./micro.js";
import type { MultiInstanceResult } from "./multi-instance.js";

/** One autocannon measurement of one entry in one round. */
export interface Measurement {
  entry: string;
  round: number;
  requestsPerSecond: number;
  p99Ms: number;
  cpuMicrosPerRequest: number;
  requests: number;
  /** Errors, timeouts, body mismatches and unexpected statuses. */
  wrong: number;
  rssBytes: number;
}

/** An entry's medians over rounds. */
export interface EntryResult {
  id: string;
  label: string;
  baseline: string;
  requestsPerSecond: number;
  p99Ms: number;
  cpuMicrosPerRequest: number;
  /** Median over rounds of (this entry's req/s ÷ its baseline's req/s in the same round). */
  ratio: number;
  ratioRange: [number, number];
  /** Median over rounds of (baseline's CPU µs per request ÷ this entry's): the same comparison by CPU cost. */
  cpuRatio: number;
  wrongResponses: number;
}

/** Everything one run measured. */
export interface BenchReport {
  date: string;
  mode: "smoke" | "full";
  machine: {
    cpu: string;
    cores: number;
    node: string;
    platform: string;
    memoryGiB: number;
    pinning: string;
    /** 1-minute load average at the start and the end of the run (the machine may be shared). */
    loadAverage: [number, number];
  };
  settings: { rounds: number; durationSeconds: number; warmupSeconds: number; connections: number };
  micro: MicroResult;
  results: EntryResult[];
  measurements: Measurement[];
  roundTrip: { logins: number; meanMs: number; p95Ms: number; minMs: number; maxMs: number };
  budgets: UpstreamBudget[];
  memory: MemoryResult;
  /** Absent when no redis-server was available. */
  multiInstance?: MultiInstanceResult | undefined;
  seconds: number;
}

/** A target of issue 8 and whether this run met it. */
export interface Target {
  name: string;
  kind: "ratio" | "count";
  measured: string;
  met: boolean;
}

/** The median (mean of the middle two for an even count). */
export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Median over rounds of a ÷ b (req/s, same round). */
function ratioOf(report: BenchReport, a: string, b: string): number {
  const ratios: number[] = [];
  for (const m of report.measurements.filter((x) => x.entry === a)) {
    const base = report.measurements.find((x) => x.entry === b && x.round === m.round);
    if (base) ratios.push(m.requestsPerSecond / base.requestsPerSecond);
  }
  return median(ratios);
}

/** The issue's targets, evaluated on this run (ratios within rounds, medians over rounds). */
export function targetsOf(report: BenchReport): Target[] {
  const ratio = (name: string, a: string, b: string, min: number): Target => {
    const value = ratioOf(report, a, b);
    return { name, kind: "ratio", measured: `${value.toFixed(2)}×`, met: value >= min };
  };
  const budgetProblems = report.budgets.flatMap((b) => budgetLines(b).filter((l) => !l.ok));
  return [
    ratio("Express + kit ≥ 0.80× bare Express", "express-kit", "express", 0.8),
    ratio("Express + kit ≥ 2× express-openid-connect", "express-kit", "express-eoc", 2),
    ratio("Express + kit ≥ 2× express-session + passport", "express-kit", "express-passport", 2),
    ratio("Koa + kit ≥ 0.80× bare Koa", "koa-kit", "koa", 0.8),
    ...(report.multiInstance
      ? [
          ratio(
            "Express + kit + Redis store ≥ 0.80× bare Express",
            "express-kit-redis",
            "express",
            0.8,
          ),
          {
            name: "Revocation propagation p99 ≤ 100 ms (3 instances)",
            kind: "ratio" as const,
            measured: `${report.multiInstance.propagation.p99Ms.toFixed(2)} ms`,
            met: report.multiInstance.propagation.p99Ms <= 100,
          },
          {
            name: "One refresh at Polar for 60 requests over 3 instances",
            kind: "count" as const,
            measured: String(report.multiInstance.storm.refreshes),
            met: report.multiInstance.storm.refreshes === 1,
          },
        ]
      : []),
    ratio("kit /auth/login ≥ express-openid-connect /login", "login-kit", "login-eoc", 1),
    {
      name: "Upstream call budget exact (both adapters)",
      kind: "count",
      measured:
        budgetProblems.length === 0 ? "exact" : budgetProblems.map((p) => p.what).join("; "),
      met: budgetProblems.length === 0,
    },
  ];
}

function budgetLines(b: UpstreamBudget) {
  return [
    {
      what: `token requests per login`,
      value: `${b.tokenRequests}/${b.logins}`,
      ok: b.tokenRequests === b.logins && b.authorizationCodeGrants === b.logins,
      want: "1 each",
    },
    {
      what: `discovery over ${b.logins} logins`,
      value: String(b.discovery),
      ok: b.discovery <= 1,
      want: "≤ 1",
    },
    { what: `JWKS over ${b.logins} logins`, value: String(b.jwks), ok: b.jwks <= 1, want: "≤ 1" },
    {
      what: "userinfo (claims in id_token)",
      value: String(b.userinfo),
      ok: b.userinfo === 0,
      want: "0",
    },
    {
      what: `refreshes for ${b.concurrentExpired} concurrent expired requests`,
      value: String(b.refreshGrants),
      ok: b.refreshGrants === 1 && b.distinctAccessTokens === 1,
      want: "1",
    },
  ];
}

const n0 = (x: number) => Math.round(x).toLocaleString("en-US");
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

/** The report as Markdown (what the README's Performance section quotes). */
export function renderMarkdown(report: BenchReport): string {
  const { machine: m, settings: s } = report;
  const row = (cells: string[]) => `| ${cells.join(" | ")} |`;
  const lines: string[] = [];
  lines.push(`### Benchmark results (${report.mode} run, ${report.date.slice(0, 10)})`);
  lines.push("");
  lines.push(
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, ${m.platform}; ${m.pinning}; ` +
      `1-minute load average ${m.loadAverage[0].toFixed(1)} at the start, ${m.loadAverage[1].toFixed(1)} at the end. ` +
      `${s.rounds} round(s) (A B C … A B C …) × ${s.durationSeconds} s per measurement after ${s.warmupSeconds} s warm-up, ` +
      `${s.connections} connections; every request carries the same kind of session cookie (the bare servers ignore a kit cookie). ` +
      "Every figure is the median over rounds; ratios are taken within a round, then the median; " +
      "“by CPU/req” divides the server processes' CPU time per request (`process.cpuUsage()`), which other load on the machine disturbs less than req/s.",
  );
  lines.push("");
  const table = (title: string, ids: string[], ratioHeader: string) => {
    lines.push(
      row([
        title,
        "req/s",
        "p99 (ms)",
        "server CPU µs/req",
        `${ratioHeader}, req/s (range)`,
        "same, by CPU/req",
      ]),
    );
    lines.push(row(["---", "---:", "---:", "---:", "---:", "---:"]));
    for (const id of ids) {
      const r = report.results.find((x) => x.id === id);
      if (!r) continue;
      const range =
        report.settings.rounds > 1
          ? ` (${r.ratioRange[0].toFixed(2)}–${r.ratioRange[1].toFixed(2)})`
          : "";
      lines.push(
        row([
          r.label,
          n0(r.requestsPerSecond),
          r.p99Ms.toFixed(0),
          n0(r.cpuMicrosPerRequest),
          `**${r.ratio.toFixed(2)}×**${range}`,
          `${r.cpuRatio.toFixed(2)}×`,
        ]),
      );
    }
    lines.push("");
  };
  table(
    "GET /dashboard, signed in",
    [
      "express",
      "express-noop",
      "express-kit",
      "express-kit-redis",
      "express-eoc",
      "express-passport",
      "koa",
      "koa-kit",
    ],
    "× bare framework",
  );
  table("Start a sign-in (302 to Polar)", ["login-kit", "login-eoc"], "× express-openid-connect");

  lines.push("Targets:");
  lines.push("");
  lines.push(row(["Target", "Measured", "Met"]));
  lines.push(row(["---", "---:", ":---:"]));
  for (const t of targetsOf(report))
    lines.push(row([t.name, t.measured, t.met ? "yes" : "**no**"]));
  lines.push("");
  const floor = ratioOf(report, "express-noop", "express");
  if (Number.isFinite(floor)) {
    lines.push(
      `Floor on Express: a no-op \`app.use\` middleware plus a no-op route guard (the kit's shape, nothing inside) runs at ${floor.toFixed(2)}× bare Express, ` +
        `${ratioOf(report, "express-noop", "express-passport").toFixed(2)}× express-session + passport and ${ratioOf(report, "express-noop", "express-eoc").toFixed(2)}× express-openid-connect; ` +
        `the kit itself runs at ${ratioOf(report, "express-kit", "express-noop").toFixed(2)}× that floor.`,
    );
    lines.push("");
  }

  const several = report.multiInstance;
  if (several) {
    lines.push(
      `Several instances (three: Express, Koa, Express, behind a round-robin proxy, one local redis-server, \`@polar-oauth/redis\`): ` +
        `revocation reaches every instance's mirror in p50 ${several.propagation.p50Ms.toFixed(2)} ms, p99 ${several.propagation.p99Ms.toFixed(2)} ms, max ${several.propagation.maxMs.toFixed(2)} ms (${several.propagation.samples} revocations); ` +
        `a refresh storm of ${several.storm.requests} concurrent requests with an expired token, spread over the three, made ${several.storm.refreshes} refresh at Polar, ${several.storm.distinctTokens} distinct access token, latency p50 ${several.storm.p50Ms.toFixed(1)} ms, p99 ${several.storm.p99Ms.toFixed(1)} ms (all answered in ${several.storm.wallMs.toFixed(1)} ms).`,
    );
    lines.push("");
  }

  const rt = report.roundTrip;
  lines.push(
    `Login round trip against the emulator (\`/auth/login\` → emulator login and consent pages → callback with token exchange and id_token check → \`/auth/me\`), ${rt.logins} sequential sign-ins: mean ${rt.meanMs.toFixed(1)} ms, p95 ${rt.p95Ms.toFixed(1)} ms.`,
  );
  lines.push("");
  lines.push("Upstream calls to Polar (emulator `stats()`):");
  lines.push("");
  lines.push(
    row(["Adapter", ...budgetLines(report.budgets[0]!).map((l) => `${l.what} (want ${l.want})`)]),
  );
  lines.push(row(["---", ...budgetLines(report.budgets[0]!).map(() => "---:")]));
  for (const b of report.budgets)
    lines.push(row([b.framework, ...budgetLines(b).map((l) => l.value)]));
  lines.push("");
  const mem = report.memory;
  lines.push(
    `Memory: ${n0(mem.cookies)} distinct valid session cookies through the read path (each a cache miss: open the seal, then cache it): ` +
      `RSS ${mib(mem.rssBeforeBytes)} before, ${mib(mem.rssAtBoundBytes)} once the cache held its bound of ${n0(mem.cacheBound)} sessions, ` +
      `${mib(mem.rssAfterBytes)} after all ${n0(mem.cookies)} (${n0(mem.cacheSize)} cached); live heap after GC ${mib(mem.heapBeforeBytes)} → ${mib(mem.heapAtBoundBytes)} → ${mib(mem.heapAfterBytes)}, ` +
      `i.e. about ${((mem.heapAfterBytes - mem.heapBeforeBytes) / mem.cacheBound / 1024).toFixed(1)} KiB per cached session; ` +
      `${((mem.seconds * 1e6) / mem.cookies).toFixed(0)} µs per cookie to seal it and read it.`,
  );
  lines.push("");
  const mi = report.micro;
  lines.push(
    `Session read path, µs per call (${mi.sealLength}-byte seal): cache hit ${mi.readHitMicros.toFixed(2)}, ` +
      `miss (unseal) ${mi.readMissMicros.toFixed(1)}, issue (seal) ${mi.issueMicros.toFixed(1)}, ` +
      `whole core request path of a signed-in request (\`handle\` + \`context\` + \`authorize\`) ${mi.requestPathMicros.toFixed(2)}.`,
  );
  return lines.join("\n");
}

/** Horizontal bars of req/s per entry, labelled with the ratio. Plain SVG, no dependency. */
export function renderChart(report: BenchReport): string {
  const rows = report.results;
  const width = 760;
  const left = 290;
  const barHeight = 22;
  const gap = 10;
  const top = 40;
  const height = top + rows.length * (barHeight + gap) + 30;
  const max = Math.max(...rows.map((r) => r.requestsPerSecond));
  const scale = (width - left - 150) / max;
  const color = (id: string) =>
    id.includes("kit") ? "#0062ff" : id === "express" || id === "koa" ? "#8a8f98" : "#f29d38";
  const esc = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  const bars = rows
    .map((r, i) => {
      const y = top + i * (barHeight + gap);
      const w = Math.max(1, r.requestsPerSecond * scale);
      return [
        `<text x="${left - 8}" y="${y + 15}" text-anchor="end">${esc(r.label)}</text>`,
        `<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${barHeight}" fill="${color(r.id)}"/>`,
        `<text x="${(left + w + 6).toFixed(1)}" y="${y + 15}">${n0(r.requestsPerSecond)} req/s · ${r.ratio.toFixed(2)}×</text>`,
      ].join("");
    })
    .join("\n");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="#fff"/>
<text x="10" y="22" font-size="14" font-weight="bold">${esc(`req/s, median of ${report.settings.rounds} rounds (${report.machine.cpu}, ${report.machine.cores} cores, Node ${report.machine.node})`)}</text>
${bars}
<text x="10" y="${height - 8}" fill="#555">× = ratio to the bare framework (login rows: to express-openid-connect /login), within each round</text>
</svg>
`;
}
