import { expect } from "vitest";
import { PolarConfigError, type PolarConfigIssue } from "../../src/errors.js";

/** Runs `load` and returns the PolarConfigError it throws (fails the test if it throws none). */
export function configErrorOf(load: () => unknown): PolarConfigError {
  try {
    load();
  } catch (error) {
    expect(error).toBeInstanceOf(PolarConfigError);
    return error as PolarConfigError;
  }
  throw new Error("expected a PolarConfigError, but the configuration was accepted");
}

/** The issues that name `variable`. */
export function issuesFor(error: PolarConfigError, variable: string): PolarConfigIssue[] {
  return error.issues.filter((issue) => issue.variable === variable);
}

/** The one issue naming `variable` (fails unless there is exactly one). */
export function issueFor(error: PolarConfigError, variable: string): PolarConfigIssue {
  const found = issuesFor(error, variable);
  expect(found, `issues for ${variable} in ${JSON.stringify(error.issues)}`).toHaveLength(1);
  return found[0]!;
}
