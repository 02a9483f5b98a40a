import type { z } from "zod";
import type { PolarConfigIssue } from "../errors.js";
import { FIXES } from "./schema.js";

/**
 * Names an option for the reader: an env variable or an option path. Gets the top-level option
 * and the issue's full dotted path (e.g. `session` and `session.cookieName`).
 */
export type OptionNamer = (option: string, path?: string) => string;

/**
 * Turns zod issues into {@link PolarConfigIssue}s that name the variable (via `nameOf`) and say
 * how to fix it. `fix` texts may reference other options as `{option}`. `shownValueOf` returns
 * the value to quote in the problem; it must return undefined for secrets.
 */
export function toConfigIssues(
  issues: readonly z.core.$ZodIssue[],
  nameOf: OptionNamer,
  shownValueOf: (option: string) => unknown = () => undefined,
): PolarConfigIssue[] {
  return issues.map((issue) => {
    const option = String(issue.path[0] ?? "config");
    const path = issue.path.map(String).join(".") || option;
    const custom =
      issue.code === "custom" ? (issue.params as { fix?: string } | undefined) : undefined;
    const fix = custom?.fix ?? FIXES[path] ?? FIXES[option] ?? "Correct this value.";
    const shown = shownValueOf(option);
    const message =
      issue.code !== "custom" && typeof shown === "string"
        ? `"${shown}" ${issue.message}`
        : issue.message;
    return {
      variable: nameOf(option, path),
      problem: /[.?!]$/.test(message) ? message : `${message}.`,
      fix: fix.replace(/\{(\w+)\}/g, (_, name: string) => nameOf(name)),
    };
  });
}

/** Freezes an object graph (config objects are shared and must not change after startup). */
export function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
