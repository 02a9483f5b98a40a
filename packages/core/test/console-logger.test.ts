import { afterEach, describe, expect, it, vi } from "vitest";
import { consoleLogger } from "../src/flow/options.js";

/** The logger used when the app passes none: every line on the console, prefixed. */
describe("the default logger", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("prints each level on its console method, prefixed [polar-oauth]", () => {
    const printed: string[] = [];
    for (const method of ["info", "warn", "error"] as const) {
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        printed.push(`${method}: ${args.join(" ")}`);
      });
    }
    consoleLogger.info("the startup check passed.");
    consoleLogger.warn("sign-in failed: access_denied");
    consoleLogger.error("the session cookie would be 5000 bytes");
    expect(printed).toEqual([
      "info: [polar-oauth] the startup check passed.",
      "warn: [polar-oauth] sign-in failed: access_denied",
      "error: [polar-oauth] the session cookie would be 5000 bytes",
    ]);
  });
});
