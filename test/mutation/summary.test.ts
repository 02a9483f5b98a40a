/**
 * scripts/mutation-summary.mjs: a reason for a surviving mutant names one place, never a text that
 * could stand elsewhere in the file; a reason that matches no mutant, several, or a killed one
 * fails the run.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

const SCRIPT = fileURLToPath(new URL("../../scripts/mutation-summary.mjs", import.meta.url));
const FILE = "packages/core/src/example.ts";
// Line 2 and line 4 hold the same expression; line 3 holds it twice.
const SOURCE = [
  "export function f(a: string) {",
  '  if (a === "") return 1;',
  '  if (a === "" || a === "") return 2;',
  '  return a === "" ? 3 : 4;',
  "}",
].join("\n");

type Place = { line: number; column: number; status: string };
const mutant = ({ line, column, status }: Place, id: number) => ({
  id: String(id),
  mutatorName: "StringLiteral",
  replacement: '"Stryker was here!"',
  status,
  location: { start: { line, column }, end: { line, column: column + 2 } },
});

let dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
});

/** Runs the script over a report of `places` and the given reasons; its exit code, output, SUMMARY. */
function summarize(places: Place[], reasons: object[]) {
  const dir = mkdtempSync(join(tmpdir(), "mutation-summary-"));
  dirs.push(dir);
  mkdirSync(join(dir, "reports/mutation"), { recursive: true });
  mkdirSync(join(dir, "test/mutation"), { recursive: true });
  const files = { [FILE]: { source: SOURCE, mutants: places.map(mutant) } };
  writeFileSync(join(dir, "reports/mutation/mutation.json"), JSON.stringify({ files }));
  writeFileSync(join(dir, "test/mutation/equivalents.json"), JSON.stringify(reasons));
  const run = spawnSync(process.execPath, [SCRIPT], { cwd: dir, encoding: "utf8" });
  return {
    code: run.status,
    stderr: run.stderr,
    summary: readFileSync(join(dir, "test/mutation/SUMMARY.md"), "utf8"),
  };
}

const LINE2 = 'if (a === "") return 1;';
const MUTANT = 'StringLiteral: "" => "Stryker was here!"';
const killed = (line: number, column: number): Place => ({ line, column, status: "Killed" });
const survived = (line: number, column: number): Place => ({ line, column, status: "Survived" });
// Enough killed mutants that one survivor keeps the score above 90%.
const KILLED = Array.from({ length: 20 }, () => killed(4, 16));

describe("mutation summary: reasons tied to one place", () => {
  it("a reason justifies its own mutant, and not the same mutant on another line", () => {
    const reason = { file: FILE, at: LINE2, mutant: MUTANT, reason: "equivalent: test" };
    const alone = summarize([...KILLED, survived(2, 13)], [reason]);
    expect(alone.code).toBe(0);
    expect(alone.summary).toContain(`\`${FILE}:2\` Survived: \`${MUTANT}\` — equivalent: test`);

    const elsewhere = summarize([...KILLED.slice(1), survived(2, 13), survived(4, 16)], [reason]);
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.summary).toContain(`\`${FILE}:4\` Survived: \`${MUTANT}\` — **UNJUSTIFIED**`);
  });

  it("refuses a reason that matches two mutants on one line, unless it names the occurrence", () => {
    const at = 'if (a === "" || a === "") return 2;';
    const places = [...KILLED, survived(3, 13), survived(3, 25)];
    const both = summarize(places, [{ file: FILE, at, mutant: MUTANT, reason: "r" }]);
    expect(both.code).toBe(1);
    expect(both.stderr).toContain('matches 2 mutants (add "occurrence", 1-based)');

    const reasons = [1, 2].map((occurrence) => ({
      file: FILE,
      at,
      mutant: MUTANT,
      occurrence,
      reason: `r${occurrence}`,
    }));
    const each = summarize(places, reasons);
    expect(each.code).toBe(0);
    expect(each.summary).toContain(`\`${FILE}:3\` Survived: \`${MUTANT}\` — r2`);
  });

  it("refuses a reason whose line changed, and one whose mutant is killed now", () => {
    const stale = summarize(
      [...KILLED, killed(2, 13)],
      [
        { file: FILE, at: "if (a === '') return 1;", mutant: MUTANT, reason: "r" },
        { file: FILE, at: LINE2, mutant: MUTANT, reason: "r" },
      ],
    );
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain("matches no mutant");
    expect(stale.stderr).toContain("its mutant is killed now (remove the reason)");
  });
});
