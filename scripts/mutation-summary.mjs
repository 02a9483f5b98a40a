// Writes test/mutation/SUMMARY.md from StrykerJS's JSON report (reports/mutation/mutation.json):
// the score per file and every surviving mutant, each either justified in
// test/mutation/equivalents.json or marked UNJUSTIFIED. Exits 1 when the score is below the
// threshold, a survivor has no reason, or a reason does not name exactly one surviving mutant.
//
// A reason is tied to one place: the file, the mutant (mutator, original text => replacement)
// and the text of the source line it starts on ("at", white space folded), plus "occurrence"
// (1-based, in file order) when that line holds the same mutant more than once. So a reason
// never covers an identical mutant elsewhere in the file, now or later; an edit to the line
// itself makes the reason match nothing, and the run says so (look again, then re-key it).
import { readFileSync, writeFileSync } from "node:fs";

const REPORT = "reports/mutation/mutation.json";
const EQUIVALENTS = "test/mutation/equivalents.json";
const SUMMARY = "test/mutation/SUMMARY.md";
const THRESHOLD = 90;

const report = JSON.parse(readFileSync(REPORT, "utf8"));
/** @type {{ file: string, at: string, mutant: string, occurrence?: number, reason: string }[]} */
const reasons = JSON.parse(readFileSync(EQUIVALENTS, "utf8"));

const squash = (text) => text.replace(/\s+/g, " ").trim();

/** The source text a mutant replaces (its location is 1-based lines, 1-based columns). */
function original(lines, { start, end }) {
  if (start.line === end.line) return lines[start.line - 1].slice(start.column - 1, end.column - 1);
  return [
    lines[start.line - 1].slice(start.column - 1),
    ...lines.slice(start.line, end.line - 1),
    lines[end.line - 1].slice(0, end.column - 1),
  ].join("\n");
}

/** Every mutant of the report with its place: file, line text, mutant text, occurrence. */
function placesOf(file, source, mutants) {
  const lines = source.split("\n");
  const seen = new Map();
  return [...mutants]
    .sort(
      (a, b) =>
        a.location.start.line - b.location.start.line ||
        a.location.start.column - b.location.start.column,
    )
    .map((m) => {
      const at = squash(lines[m.location.start.line - 1]);
      const mutant = `${m.mutatorName}: ${squash(original(lines, m.location))} => ${squash(m.replacement ?? "")}`;
      const key = `${at}\u0000${mutant}`;
      const occurrence = (seen.get(key) ?? 0) + 1;
      seen.set(key, occurrence);
      return { file, at, mutant, occurrence, m };
    });
}

const DETECTED = new Set(["Killed", "Timeout"]);
const VALID = new Set(["Killed", "Timeout", "Survived", "NoCoverage"]);
const rows = [];
const places = [];
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
  const alive = fileValid.length - fileDetected.length;
  rows.push(
    `| ${file} | ${score.toFixed(1)} | ${fileDetected.length} | ${alive} | ${fileIgnored} |`,
  );
  places.push(...placesOf(file, source, mutants));
}

/** The mutants a reason names: same file, line text and mutant (and occurrence, when given). */
const matches = (reason) =>
  places.filter(
    (p) =>
      p.file === reason.file &&
      p.at === squash(reason.at) &&
      p.mutant === squash(reason.mutant) &&
      (reason.occurrence === undefined || p.occurrence === reason.occurrence),
  );

const problems = [];
const justified = new Map();
for (const reason of reasons) {
  const found = matches(reason);
  const where = `${reason.file} at "${reason.at}": ${reason.mutant}`;
  if (found.length === 0) {
    problems.push(`matches no mutant (its line changed, or the file is not mutated): ${where}`);
  } else if (found.length > 1) {
    problems.push(`matches ${found.length} mutants (add "occurrence", 1-based): ${where}`);
  } else if (DETECTED.has(found[0].m.status)) {
    problems.push(
      `its mutant is ${found[0].m.status.toLowerCase()} now (remove the reason): ${where}`,
    );
  } else if (justified.has(found[0])) {
    problems.push(`a second reason for one mutant: ${where}`);
  } else {
    justified.set(found[0], reason.reason);
  }
}

const survivors = places.filter((p) => VALID.has(p.m.status) && !DETECTED.has(p.m.status));
const unjustified = survivors.filter((s) => !justified.has(s));
const total = valid ? (100 * detected) / valid : 100;
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
  "`test/mutation/equivalents.json` (tied to its one place); `UNJUSTIFIED` ones need a test or a reason.",
  "",
  ...survivors.map(
    (s) =>
      `- \`${s.file}:${s.m.location.start.line}\` ${s.m.status}: \`${s.mutant}\` — ${justified.get(s) ?? "**UNJUSTIFIED**"}`,
  ),
  "",
];
writeFileSync(SUMMARY, lines.join("\n"));
for (const problem of problems) console.error(`${EQUIVALENTS}: a reason ${problem}`);
for (const s of unjustified) {
  console.error(
    `unjustified: ${s.file}:${s.m.location.start.line} at "${s.at}": ${s.mutant}` +
      (s.occurrence > 1 ? ` (occurrence ${s.occurrence})` : ""),
  );
}
console.log(
  `mutation score ${total.toFixed(1)}% (${detected}/${valid}); ${unjustified.length} unjustified survivor(s); ${problems.length} reason problem(s); wrote ${SUMMARY}`,
);
if (total < THRESHOLD || unjustified.length > 0 || problems.length > 0) process.exitCode = 1;
