/**
 * A convention the tests rely on, checked rather than remembered: a test that runs concurrently
 * (`describe.concurrent`, `it.concurrent`, `test.concurrent`) asserts with the `expect` of its own
 * context. The global `expect` there counts assertions against whichever test ran last, so
 * `expect.requireAssertions` (on in every project) cannot tell a test that asserts nothing.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** Every `*.test.ts` under packages/ and test/, node_modules left out. */
function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name === "node_modules" || entry.name.startsWith(".")) return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(path);
    return entry.name.endsWith(".test.ts") ? [path] : [];
  });
}

const TEST_CALLS = new Set(["it", "test"]);

/** `describe.concurrent`, `it.concurrent.each(...)`, … : a call whose callee names `concurrent`. */
function isConcurrent(callee: ts.Expression): boolean {
  if (ts.isCallExpression(callee)) return isConcurrent(callee.expression);
  if (!ts.isPropertyAccessExpression(callee)) return false;
  return callee.name.text === "concurrent" || isConcurrent(callee.expression);
}

/** The leftmost identifier of a callee (`it` for `it.concurrent.each(...)`). */
function rootName(callee: ts.Expression): string | undefined {
  if (ts.isIdentifier(callee)) return callee.text;
  if (ts.isPropertyAccessExpression(callee) || ts.isCallExpression(callee)) {
    return rootName(callee.expression);
  }
  return undefined;
}

/** Whether a test callback takes `expect` from its context (`async ({ expect }) => …`). */
function bindsExpect(callback: ts.FunctionLikeDeclaration): boolean {
  const first = callback.parameters[0];
  if (!first || !ts.isObjectBindingPattern(first.name)) return false;
  return first.name.elements.some(
    (element) => (element.propertyName ?? element.name).getText() === "expect",
  );
}

function usesExpect(node: ts.Node): boolean {
  if (ts.isIdentifier(node) && node.text === "expect") return true;
  return ts.forEachChild(node, (child) => (usesExpect(child) ? true : undefined)) ?? false;
}

/** The lines of tests that run concurrently and assert with the global `expect`. */
export function globalExpectInConcurrentTests(source: string, fileName = "x.test.ts"): number[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const found: number[] = [];
  const visit = (node: ts.Node, concurrent: boolean): void => {
    let inside = concurrent;
    if (ts.isCallExpression(node)) {
      const name = rootName(node.expression);
      inside = concurrent || isConcurrent(node.expression);
      const callback = node.arguments.find(
        (arg): arg is ts.ArrowFunction | ts.FunctionExpression =>
          ts.isArrowFunction(arg) || ts.isFunctionExpression(arg),
      );
      if (inside && name && TEST_CALLS.has(name) && callback && usesExpect(callback.body)) {
        if (!bindsExpect(callback)) {
          found.push(file.getLineAndCharacterOfPosition(node.getStart()).line + 1);
        }
      }
    }
    ts.forEachChild(node, (child) => visit(child, inside));
  };
  visit(file, false);
  return found;
}

describe("concurrent tests assert with their context's expect", () => {
  it("finds a global expect inside describe.concurrent and it.concurrent, and accepts the context's", () => {
    const source = [
      'describe.concurrent("a", () => {',
      '  it("global", () => { expect(1).toBe(1); });',
      '  it("context", ({ expect }) => { expect(1).toBe(1); });',
      '  it("renamed", ({ expect: check }) => { check(1).toBe(1); });',
      "});",
      'it.concurrent("alone", async () => { expect(2).toBe(2); });',
      'it.concurrent.each([1])("each %s", async (n) => { expect(n).toBe(1); });',
      'describe("serial", () => { it("global is fine here", () => { expect(3).toBe(3); }); });',
    ].join("\n");
    expect(globalExpectInConcurrentTests(source)).toEqual([2, 6, 7]);
  });

  it("holds in every test file of the repository", () => {
    const offenders = testFiles(ROOT).flatMap((path) =>
      globalExpectInConcurrentTests(readFileSync(path, "utf8"), path).map(
        (line) => `${relative(ROOT, path)}:${line}`,
      ),
    );
    expect(offenders).toEqual([]);
  });
});
