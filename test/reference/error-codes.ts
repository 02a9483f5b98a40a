import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

/** The packages whose errors an app or an operator meets (the emulator is a test tool). */
export const KIT_PACKAGES = ["core", "express", "koa", "redis", "cli"] as const;

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** An error code as the kit spells it: `POLAR_UNREACHABLE`, `CLI_USAGE`. */
const CODE = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/;

/** A value given to something named `code` may be one word: `UNEXPECTED`. */
const NAMED_CODE = /^[A-Z][A-Z0-9_]{2,}$/;

/** Callees whose string arguments in CODE form are error codes. */
const CODE_TAKERS = new Set(["PolarError", "PolarApiError", "CliError", "usageError"]);

/** Where a code was found, for the failure message. */
export interface FoundCode {
  code: string;
  where: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [path] : [];
  });
}

function calleeName(expression: ts.Expression): string | undefined {
  if (ts.isIdentifier(expression)) return expression.text;
  if (ts.isPropertyAccessExpression(expression)) return expression.name.text;
  return undefined;
}

/**
 * Every error code the kit's source can throw or answer with, read from the syntax tree:
 * code-shaped arguments of `super(…)` in an error class and of `new PolarError`,
 * `new PolarApiError`, `new CliError` and `usageError`, `code = "…"` defaults and `code: "…"`
 * properties, the `LOGIN_*` codes of every member of the `LoginFailure` union, and the
 * `error` of the kit's own JSON answers (`json(401, { error: "unauthenticated" })`).
 */
export function collectErrorCodes(): FoundCode[] {
  const found: FoundCode[] = [];
  for (const pkg of KIT_PACKAGES) {
    for (const file of sourceFiles(join(ROOT, "packages", pkg, "src"))) {
      const text = readFileSync(file, "utf8");
      const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
      const add = (code: string, node: ts.Node) => {
        const { line } = source.getLineAndCharacterOfPosition(node.getStart());
        found.push({ code, where: `${file.slice(ROOT.length)}:${line + 1}` });
      };
      const literal = (node: ts.Node | undefined): string | undefined =>
        node && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node))
          ? node.text
          : undefined;
      const visit = (node: ts.Node): void => {
        if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.SuperKeyword) {
          for (const argument of node.arguments) {
            const code = literal(argument);
            if (code && CODE.test(code)) add(code, argument);
          }
        }
        if (ts.isCallExpression(node) || ts.isNewExpression(node)) {
          const name = calleeName(node.expression);
          if (name && CODE_TAKERS.has(name)) {
            for (const argument of node.arguments ?? []) {
              const code = literal(argument);
              if (code && CODE.test(code)) add(code, argument);
            }
          }
          if (
            name === "json" &&
            node.arguments?.[1] &&
            ts.isObjectLiteralExpression(node.arguments[1])
          ) {
            for (const property of node.arguments[1].properties) {
              if (ts.isPropertyAssignment(property) && property.name.getText() === "error") {
                const error = literal(property.initializer);
                if (error) add(error, property);
              }
            }
          }
        }
        if (
          (ts.isParameter(node) || ts.isPropertyAssignment(node)) &&
          node.name.getText() === "code"
        ) {
          const code = literal(node.initializer);
          if (code && NAMED_CODE.test(code)) add(code, node);
        }
        if (ts.isTypeAliasDeclaration(node) && node.name.text === "LoginFailure") {
          const members = ts.isUnionTypeNode(node.type) ? node.type.types : [node.type];
          for (const member of members) {
            if (ts.isLiteralTypeNode(member) && ts.isStringLiteral(member.literal)) {
              add(`LOGIN_${member.literal.text.toUpperCase()}`, member);
            }
          }
        }
        ts.forEachChild(node, visit);
      };
      visit(source);
    }
  }
  return found;
}

/** The CLI's exit codes, from `EXIT` in `packages/cli/src/exit-codes.ts`. */
export function collectExitCodes(): number[] {
  const file = join(ROOT, "packages/cli/src/exit-codes.ts");
  const source = ts.createSourceFile(
    file,
    readFileSync(file, "utf8"),
    ts.ScriptTarget.Latest,
    true,
  );
  const codes: number[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isVariableDeclaration(node) && node.name.getText() === "EXIT") {
      node.forEachChild(function find(child): void {
        if (ts.isPropertyAssignment(child) && ts.isNumericLiteral(child.initializer)) {
          codes.push(Number(child.initializer.text));
        }
        child.forEachChild(find);
      });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return codes;
}
