import { fileURLToPath } from "node:url";
import ts from "typescript";

/**
 * Reads `@polar-sh/sdk/2026-10`'s TypeScript models with the compiler and checks values against
 * them at run time: the SDK validates nothing when it parses Polar's answers, so the emulator's
 * answers are checked here, field by field, against what the models declare.
 */
export interface ModelChecker {
  /** Problems of `value` as a `models.<name>`, each with its JSON path; empty when it fits. */
  check(value: unknown, name: string): string[];
  /** The required (non-optional) property names of `models.<name>`. */
  requiredFields(name: string): string[];
}

export function loadSdkModels(): ModelChecker {
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
  };
  // One in-memory file that imports the models namespace; the checker resolves the rest.
  // Next to this file, so `@polar-sh/sdk` resolves from the emulator package.
  const fileName = fileURLToPath(new URL("./__sdk_models_probe__.mts", import.meta.url));
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.getSourceFile = (name, version, onError, create) =>
    name === fileName
      ? ts.createSourceFile(name, 'import type { models } from "@polar-sh/sdk/2026-10";\n', version)
      : getSourceFile(name, version, onError, create);
  host.fileExists = (name) => name === fileName || fileExists(name);
  const program = ts.createProgram([fileName], options, host);
  const checker = program.getTypeChecker();
  const sourceFile = program.getSourceFile(fileName)!;
  const importDecl = sourceFile.statements[0] as ts.ImportDeclaration;
  const binding = (importDecl.importClause!.namedBindings as ts.NamedImports).elements[0]!;
  let namespace = checker.getSymbolAtLocation(binding.name)!;
  if (namespace.flags & ts.SymbolFlags.Alias) namespace = checker.getAliasedSymbol(namespace);
  const exports = checker.getExportsOfModule(namespace);

  function modelType(name: string): ts.Type {
    let symbol = exports.find((s) => s.name === name);
    if (!symbol) throw new Error(`@polar-sh/sdk/2026-10 has no model ${name}`);
    if (symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
    return checker.getDeclaredTypeOfSymbol(symbol);
  }

  function check(value: unknown, type: ts.Type, path: string, depth: number): string[] {
    if (depth > 12) return [];
    const flags = type.flags;
    if (flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return [];
    if (type.isUnion()) {
      const attempts = type.types.map((member) => check(value, member, path, depth));
      if (attempts.some((problems) => problems.length === 0)) return [];
      return attempts.sort((a, b) => a.length - b.length)[0]!;
    }
    if (flags & ts.TypeFlags.Null)
      return value === null ? [] : [`${path}: expected null, got ${show(value)}`];
    if (flags & ts.TypeFlags.Undefined)
      return value === undefined ? [] : [`${path}: expected undefined`];
    if (type.isStringLiteral())
      return value === type.value ? [] : [`${path}: expected "${type.value}", got ${show(value)}`];
    if (type.isNumberLiteral())
      return value === type.value ? [] : [`${path}: expected ${type.value}, got ${show(value)}`];
    if (flags & ts.TypeFlags.BooleanLiteral) {
      const expected = checker.typeToString(type) === "true";
      return value === expected ? [] : [`${path}: expected ${expected}, got ${show(value)}`];
    }
    if (flags & ts.TypeFlags.StringLike)
      return typeof value === "string" ? [] : [`${path}: expected a string, got ${show(value)}`];
    if (flags & ts.TypeFlags.NumberLike)
      return typeof value === "number" ? [] : [`${path}: expected a number, got ${show(value)}`];
    if (flags & ts.TypeFlags.BooleanLike)
      return typeof value === "boolean" ? [] : [`${path}: expected a boolean, got ${show(value)}`];
    if (checker.isArrayType(type)) {
      if (!Array.isArray(value)) return [`${path}: expected an array, got ${show(value)}`];
      const [element] = checker.getTypeArguments(type as ts.TypeReference);
      return value.flatMap((item, i) => check(item, element!, `${path}[${i}]`, depth + 1));
    }
    if (flags & ts.TypeFlags.Object) {
      if (typeof value !== "object" || value === null || Array.isArray(value))
        return [`${path}: expected an object, got ${show(value)}`];
      const record = value as Record<string, unknown>;
      const problems: string[] = [];
      const declared = new Set<string>();
      for (const property of checker.getPropertiesOfType(type)) {
        declared.add(property.name);
        const optional = (property.flags & ts.SymbolFlags.Optional) !== 0;
        const at = `${path}.${property.name}`;
        if (!(property.name in record)) {
          if (!optional) problems.push(`${at}: required field missing`);
          continue;
        }
        const propertyType = checker.getTypeOfSymbol(property);
        problems.push(...check(record[property.name], propertyType, at, depth + 1));
      }
      const index = checker.getIndexInfosOfType(type)[0];
      for (const [key, item] of Object.entries(record)) {
        if (declared.has(key)) continue;
        if (index) problems.push(...check(item, index.type, `${path}.${key}`, depth + 1));
        else problems.push(`${path}.${key}: not a field of the model`);
      }
      return problems;
    }
    return [];
  }

  return {
    check: (value, name) => check(value, modelType(name), name, 0),
    requiredFields: (name) =>
      checker
        .getPropertiesOfType(modelType(name))
        .filter((p) => (p.flags & ts.SymbolFlags.Optional) === 0)
        .map((p) => p.name),
  };
}

function show(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 60)}…` : text;
}
