import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { access, lstat, open, readFile, realpath, rename, stat, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { parseEnv } from "node:util";
import { CliError } from "./exit-codes.js";

/** Mode of every credential file the CLI writes: owner read/write only. */
export const CREDENTIAL_FILE_MODE = 0o600;

const ASSIGNMENT = /^\s*(export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/;

/** One `KEY=value` assignment and the lines it spans (multi-line quoted values span several). */
interface Assignment {
  key: string;
  exported: boolean;
  firstLine: number;
  lastLine: number;
}

/** A dotenv file that failed to parse: names the line, never quotes it (it may hold a secret). */
export class MalformedDotenvError extends Error {
  constructor(
    readonly line: number,
    reason: string,
  ) {
    super(`line ${line} ${reason}`);
    this.name = "MalformedDotenvError";
  }
}

/** Finds every assignment; throws {@link MalformedDotenvError} for a line that is none of blank, comment, assignment. */
function scan(lines: readonly string[]): Assignment[] {
  const assignments: Assignment[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    const match = ASSIGNMENT.exec(line);
    if (!match) throw new MalformedDotenvError(i + 1, "is not KEY=VALUE, a comment or blank");
    const value = match[3]!;
    const quote = value[0];
    let last = i;
    if ((quote === '"' || quote === "'" || quote === "`") && !closes(value.slice(1), quote)) {
      while (last + 1 < lines.length && !closes(lines[last + 1]!, quote)) last++;
      if (last + 1 >= lines.length)
        throw new MalformedDotenvError(i + 1, "opens a quote that never closes");
      last++;
    }
    assignments.push({ key: match[2]!, exported: Boolean(match[1]), firstLine: i, lastLine: last });
    i = last;
  }
  return assignments;
}

function closes(text: string, quote: string): boolean {
  return text.includes(quote);
}

/**
 * Parses dotenv text into variables (values as Node's `util.parseEnv` reads them). Throws
 * {@link MalformedDotenvError} for a line that is not an assignment, comment or blank.
 */
export function parseDotenv(text: string): Record<string, string> {
  scan(text.split(/\r?\n/));
  return { ...parseEnv(text) } as Record<string, string>;
}

/** A value that no dotenv quoting can carry safely. Names the variable, never the value. */
export class UnsafeDotenvValueError extends CliError {
  constructor(
    variable: string,
    reason: string,
    risk = "which a dotenv parser could read as another variable",
  ) {
    super(
      `Refusing to write ${variable}: its value ${reason}, ${risk}. Nothing was written.`,
      1,
      "DOTENV_UNSAFE_VALUE",
    );
    this.name = "UnsafeDotenvValueError";
  }
}

/** Control characters (C0, DEL, C1) and the line separators some parsers honour. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/**
 * What dotenv-expand (12, `lib/main.js`) replaces even inside single quotes, since it only
 * sees the parsed value: `${…}`, `$NAME`, and `\$` (unescaped to `$`).
 */
const EXPANDED_BY_DOTENV_EXPAND = /\$[A-Za-z_{]|\\\$/;

/**
 * Formats one value for a dotenv line so that every common parser (Node's `parseEnv`, the
 * `dotenv` package with dotenv-expand, Docker Compose) reads back exactly `value` and nothing
 * else: bare when it is made of plain characters, else single-quoted (literal everywhere; a
 * value with `$` always is, so Compose does not interpolate it), else double-quoted when it
 * holds no `"`, `\` or `$`. Refused: a `$` that dotenv-expand would expand whatever the
 * quotes (`$NAME`, `${…}`, `\$`); a value needing escapes inside double quotes (not portable:
 * Node's parser ends the value at `\"` and keeps backslashes); any control character (a newline
 * or carriage return starts a new variable).
 */
export function dotenvValue(value: string, variable = "a variable"): string {
  if (CONTROL.test(value))
    throw new UnsafeDotenvValueError(variable, "contains a control character");
  if (EXPANDED_BY_DOTENV_EXPAND.test(value)) {
    throw new UnsafeDotenvValueError(
      variable,
      "holds '$' before a name or '{' (or '\\$')",
      "which dotenv-expand (and Docker Compose outside single quotes) would replace by another variable's value",
    );
  }
  if (/^[A-Za-z0-9_./:@%+,=-]*$/.test(value)) return value;
  if (!value.includes("'")) return `'${value}'`;
  if (!/["\\$]/.test(value)) return `"${value}"`;
  throw new UnsafeDotenvValueError(variable, "mixes quotes with a backslash or '$'");
}

/**
 * Merges variables into dotenv text: a key that exists keeps its place (and `export` prefix)
 * with the new value, later duplicates of it are dropped, new keys are appended, keys in
 * `remove` are deleted. Every other line, comment and the order stay exactly as they were.
 */
export function mergeDotenv(
  text: string,
  updates: ReadonlyArray<readonly [string, string]>,
  remove: readonly string[] = [],
): string {
  const newline = text.includes("\r\n") ? "\r\n" : "\n";
  const lines = text === "" ? [] : text.split(/\r?\n/);
  const endsWithNewline = lines.length > 0 && lines[lines.length - 1] === "";
  if (endsWithNewline) lines.pop();
  const assignments = scan(lines);
  const replacement = new Map<number, string[]>();
  const seen = new Set<string>();
  const wanted = new Map(updates);
  for (const assignment of assignments) {
    const dropped = remove.includes(assignment.key) || seen.has(assignment.key);
    const value = wanted.get(assignment.key);
    if (dropped || value !== undefined) {
      const prefix = assignment.exported ? "export " : "";
      replacement.set(
        assignment.firstLine,
        dropped ? [] : [`${prefix}${assignment.key}=${dotenvValue(value!, assignment.key)}`],
      );
      for (let i = assignment.firstLine + 1; i <= assignment.lastLine; i++) replacement.set(i, []);
    }
    if (wanted.has(assignment.key)) seen.add(assignment.key);
  }
  const out: string[] = [];
  lines.forEach((line, i) => {
    out.push(...(replacement.get(i) ?? [line]));
  });
  for (const [key, value] of updates) {
    if (!seen.has(key)) out.push(`${key}=${dotenvValue(value, key)}`);
  }
  return out.length === 0 ? "" : `${out.join(newline)}${newline}`;
}

/** A dotenv file as read: its text and variables (both empty when it does not exist). */
export interface DotenvFile {
  path: string;
  exists: boolean;
  text: string;
  variables: Record<string, string>;
}

/**
 * Reads a dotenv file. A missing file reads as empty; a malformed one is a {@link CliError}
 * naming the file and line.
 */
export async function readDotenvFile(path: string, shown = path): Promise<DotenvFile> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { path, exists: false, text: "", variables: {} };
    if (code === "EISDIR") throw new CliError(`${shown} is a directory, not a dotenv file.`);
    throw new CliError(`Cannot read ${shown} (${code ?? "error"}).`);
  }
  try {
    return { path, exists: true, text, variables: parseDotenv(text) };
  } catch (error) {
    if (error instanceof MalformedDotenvError) {
      throw new CliError(
        `${shown} is not a valid dotenv file: ${error.message}. Fix that line, or choose another file with --out.`,
        1,
        "DOTENV_MALFORMED",
      );
    }
    throw error;
  }
}

/**
 * Makes sure the credentials can be written before anything is registered (a secret that
 * cannot be stored would be lost): the file, if it exists, must be a regular writable file;
 * otherwise its directory must exist and be writable. A file without any write bit counts as
 * read-only even for root.
 */
export async function assertWritable(path: string, shown = path): Promise<void> {
  const target = await resolveTarget(path);
  try {
    const info = await stat(target);
    if (!info.isFile()) throw new CliError(`Cannot write ${shown}: it is not a regular file.`);
    if ((info.mode & 0o222) === 0) {
      throw new CliError(
        `Refusing to write ${shown}: it is read-only. Make it writable (chmod 600 ${shown}) or choose another file with --out.`,
        1,
        "DOTENV_READ_ONLY",
      );
    }
    await access(target, constants.W_OK);
  } catch (error) {
    if (error instanceof CliError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "ENOENT") {
      throw new CliError(
        `Refusing to write ${shown}: not writable (${code ?? "error"}).`,
        1,
        "DOTENV_READ_ONLY",
      );
    }
    try {
      await access(dirname(target), constants.W_OK);
    } catch {
      throw new CliError(
        `Cannot create ${shown}: its directory does not exist or is not writable.`,
        1,
        "DOTENV_READ_ONLY",
      );
    }
  }
}

/** What {@link writeDotenvFile} did. */
export interface DotenvWrite {
  path: string;
  created: boolean;
  /** The previous mode when it was looser than 0600 and has been tightened. */
  tightenedFrom?: number | undefined;
}

/**
 * Merges variables into a dotenv file atomically: the merged text goes to a temporary file in
 * the same directory (mode 0600, fsynced) that then replaces the target by rename, so a crash
 * leaves either the old file or the new one, never half of it. The result is always 0600.
 */
export async function writeDotenvFile(
  path: string,
  updates: ReadonlyArray<readonly [string, string]>,
  remove: readonly string[] = [],
  shown = path,
): Promise<DotenvWrite> {
  await assertWritable(path, shown);
  const target = await resolveTarget(path);
  const current = await readDotenvFile(target);
  const previousMode = current.exists ? (await stat(target)).mode & 0o777 : undefined;
  const text = mergeDotenv(current.text, updates, remove);
  const temp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString("hex")}.tmp`);
  const handle = await open(temp, "wx", CREDENTIAL_FILE_MODE);
  try {
    await handle.chmod(CREDENTIAL_FILE_MODE);
    await handle.writeFile(text, "utf8");
    await handle.sync();
  } catch (error) {
    await handle.close();
    await unlink(temp).catch(() => {});
    throw error;
  }
  await handle.close();
  try {
    await rename(temp, target);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
  return {
    path: shown,
    created: !current.exists,
    tightenedFrom:
      previousMode !== undefined && (previousMode & 0o077) !== 0 ? previousMode : undefined,
  };
}

/** Follows a symlink so the rename replaces the real file, not the link. */
async function resolveTarget(path: string): Promise<string> {
  try {
    if ((await lstat(path)).isSymbolicLink()) return await realpath(path);
  } catch {
    // Missing: the path itself is the target.
  }
  return path;
}
