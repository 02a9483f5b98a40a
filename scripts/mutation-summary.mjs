// Writes test/mutation/SUMMARY.md from StrykerJS's JSON report (reports/mutation/mutation.json):
// the score per file and every surviving mutant, each either justified in
// test/mutation/equivalents.json (a one-line reason) or marked UNJUSTIFIED. Exits 1 when the
// score is below the threshold or a survivor has no reason, so `pnpm mutation` fails then.
import { readFileSync, writeFileSync } from "node:fs";

const REPORT = "reports/mutation/mutation.json";
const EQUIVALENTS = "test/mutation/equivalents.json";
const SUMMARY = "test/mutation/SUMMARY.md";
const THRESHOLD = 90;

const report = JSON.parse(readFileSync(REPORT, "utf8"));
const equivalents = JSON.parse(readFileSync(EQUIVALENTS, "utf8"));

/** The source text a mutant replaces (its location is 1-based lines, 1-based columns). */
function original(source, { start, end }) {
  const lines = source.split("\n");
  if (start.line === end.line) return lines[start.line - 1].slice(start.column - 1, end.column - 1);
  return [
    lines[start.line - 1].slice(start.column - 1),
    ...lines.slice(start.line, end.line - 1),
    lines[end.line - 1].slice(0, end.column - 1),
  ].join("\n");
}

/** A survivor's key: stable across edits elsewhere in the file (no line numbers). */
function keyOf(file, mutant, source) {
  const squash = (text) => text.replace(/\s+/g, " ").trim();
  return `${file} ${mutant.mutatorName}: ${squash(original(source, mutant.location))} => ${squash(mutant.replacement ?? "")}`;
}

const DETECTED = new Set(["Killed", "Timeout"]);
const VALID = new Set(["Killed", "Timeout", "Survived", "NoCoverage"]);
const rows = [];
const survivors = [];
let detected = 0;
let valid = 0;
let ignored = 0;
for (const [file, { source, mutants }] of Object.entries(report.files).sort()) {
  const fileValid = mutants.filter((m) => VALID.has(m.status));
  const fileDetected = fileValid.filter((m) => DETECTED.has(m.status));
  const fileIgnored = mutants.filter((m) => m.status === "Ignored").length;
  detected += fileDetected.length;
  valid += fileValid.length;
  ignored += fileIgnored;
  const score = fileValid.length ? (100 * fileDetected.length) / fileValid.length : 100;
  const alive = fileValid.filter((m) => !DETECTED.has(m.status));
  rows.push(
    `| ${file} | ${score.toFixed(1)} | ${fileDetected.length} | ${alive.length} | ${fileIgnored} |`,
  );
  for (const mutant of alive) {
    const key = keyOf(file, mutant, source);
    survivors.push({
      file,
      line: mutant.location.start.line,
      status: mutant.status,
      key,
      reason: equivalents[key],
    });
  }
}
const total = valid ? (100 * detected) / valid : 100;
const unjustified = survivors.filter((s) => !s.reason);
const lines = [
  "# Mutation testing: summary",
  "",
  "Written by `pnpm mutation` (StrykerJS, per-test coverage, incremental) from `reports/mutation/mutation.json`;",
  "the HTML report is `reports/mutation/index.html` (not committed).",
  "",
  `**Mutation score: ${total.toFixed(1)}%** (${detected} of ${valid} mutants detected; threshold ${THRESHOLD}%),`,
  `over the ${rows.length} file(s) this run mutated (\`mutate\` in \`stryker.config.json\`, or \`--mutate\` for a partial run).`,
  `Survivors: ${survivors.length}, of which ${unjustified.length} without a reason.`,
  `Not counted: ${ignored} static mutants (module-level code that runs while the tests load; \`ignoreStatic\`,`,
  "because each would rerun every test).",
  "",
  "| file | score % | detected | survived or not covered | static (ignored) |",
  "| --- | ---: | ---: | ---: | ---: |",
  ...rows,
  "",
  "## Survivors",
  "",
  "Each is an equivalent mutant (no behaviour can tell it apart) or a deliberate gap, with the reason from",
  "`test/mutation/equivalents.json`; `UNJUSTIFIED` ones need a test or a reason.",
  "",
  ...survivors.map(
    (s) =>
      `- \`${s.file}:${s.line}\` ${s.status}: \`${s.key.slice(s.file.length + 1)}\` — ${s.reason ?? "**UNJUSTIFIED**"}`,
  ),
  "",
];
writeFileSync(SUMMARY, lines.join("\n"));
// Reasons whose mutant no longer survives (killed since, or its code changed): prune them.
const used = new Set(survivors.map((s) => s.key));
const stale = Object.keys(equivalents).filter((key) => !used.has(key));
if (stale.length > 0) {
  console.warn(`${stale.length} reason(s) in ${EQUIVALENTS} match no survivor now:`);
  for (const key of stale) console.warn(`  ${key}`);
}
console.log(
  `mutation score ${total.toFixed(1)}% (${detected}/${valid}); ${unjustified.length} unjustified survivor(s); wrote ${SUMMARY}`,
);
if (total < THRESHOLD || unjustified.length > 0) process.exitCode = 1;
