/**
 * Summarises a `node --cpu-prof` profile: self time by function and by package, so a report can
 * say where a server's time goes. `profile.ts <dir>` prints the newest profile's summary.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Where a script URL belongs: an npm package, a workspace package, Node itself, or V8/GC. */
function ownerOf(url: string, name: string): string {
  if (!url) return name.startsWith("(") ? name : "(native/V8)";
  const pkg = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  const workspace = /\/packages\/([^/]+)\//.exec(url);
  if (workspace) return `@polar-oauth/${workspace[1]}`;
  if (url.startsWith("node:")) return "node (core modules)";
  return url
    .replace(/^file:\/\//, "")
    .split("/")
    .slice(-2)
    .join("/");
}

/** Markdown tables of the newest `.cpuprofile` in `dir`. */
export function summarizeProfile(dir: string, title: string, top = 25): string {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".cpuprofile"))
    .map((f) => ({ f, t: statSync(join(dir, f)).mtimeMs, size: statSync(join(dir, f)).size }))
    // Newest run first; of its threads (tsx's loader runs in a worker), the main one is largest.
    .sort((a, b) => b.t - a.t)
    .filter((x, _i, all) => Math.abs(x.t - all[0]!.t) < 30_000)
    .sort((a, b) => b.size - a.size);
  if (!files[0]) return `no profile in ${dir}`;
  const profile = JSON.parse(readFileSync(join(dir, files[0].f), "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const idleIds = new Set(
    profile.nodes.filter((n) => n.callFrame.functionName === "(idle)").map((n) => n.id),
  );
  const busy = total - [...idleIds].reduce((sum, id) => sum + (self.get(id) ?? 0), 0);

  const byFunction = new Map<string, number>();
  const byOwner = new Map<string, number>();
  for (const [id, micros] of self) {
    if (idleIds.has(id)) continue;
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const owner = ownerOf(url, functionName);
    const key = `${functionName || "(anonymous)"} · ${owner}${url ? `:${lineNumber + 1}` : ""}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + micros);
    byOwner.set(owner, (byOwner.get(owner) ?? 0) + micros);
  }
  // Inclusive time of workspace functions (the kit's own code and what it calls).
  const inclusive = new Map<number, number>();
  const inclusiveOf = (id: number): number => {
    const known = inclusive.get(id);
    if (known !== undefined) return known;
    const node = byId.get(id)!;
    const sum = (self.get(id) ?? 0) + (node.children ?? []).reduce((a, c) => a + inclusiveOf(c), 0);
    inclusive.set(id, sum);
    return sum;
  };
  const byWorkspaceFunction = new Map<string, number>();
  const counted = new Set<number>();
  const walk = (id: number, inside: Set<string>) => {
    const node = byId.get(id)!;
    const { functionName, url, lineNumber } = node.callFrame;
    let next = inside;
    if (url.includes("/packages/") && !url.includes("node_modules")) {
      const key = `${functionName || "(anonymous)"} · ${ownerOf(url, functionName)}:${lineNumber + 1}`;
      if (!inside.has(key)) {
        byWorkspaceFunction.set(key, (byWorkspaceFunction.get(key) ?? 0) + inclusiveOf(id));
        next = new Set(inside).add(key);
      }
    }
    if (counted.has(id)) return;
    counted.add(id);
    for (const child of node.children ?? []) walk(child, next);
  };
  walk(profile.nodes[0]!.id, new Set());
  const pct = (micros: number) => `${((micros / busy) * 100).toFixed(1)}%`;
  const sorted = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1]);
  const lines = [
    `### CPU profile: ${title} (${files[0].f})`,
    "",
    `Busy ${(busy / 1e6).toFixed(2)} s of ${(total / 1e6).toFixed(2)} s sampled (the rest idle). Self time:`,
    "",
    "| By package | self | share of busy |",
    "| --- | ---: | ---: |",
    ...sorted(byOwner)
      .slice(0, 15)
      .map(([k, v]) => `| ${k} | ${(v / 1000).toFixed(0)} ms | ${pct(v)} |`),
    "",
    "| By function | self | share of busy |",
    "| --- | ---: | ---: |",
    ...sorted(byFunction)
      .slice(0, top)
      .map(([k, v]) => `| ${k.replace(/\|/g, "\\|")} | ${(v / 1000).toFixed(0)} ms | ${pct(v)} |`),
    "",
    "| Workspace function (inclusive) | total | share of busy |",
    "| --- | ---: | ---: |",
    ...sorted(byWorkspaceFunction)
      .slice(0, 15)
      .map(([k, v]) => `| ${k.replace(/\|/g, "\\|")} | ${(v / 1000).toFixed(0)} ms | ${pct(v)} |`),
  ];
  return lines.join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(summarizeProfile(process.argv[2] ?? ".", process.argv[3] ?? "profile"));
}
