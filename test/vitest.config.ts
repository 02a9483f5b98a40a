import { defineProject } from "vitest/config";
import { sharedTestOptions } from "../vitest.shared.js";

export default defineProject({
  test: {
    ...sharedTestOptions,
    name: "suites",
    include: ["**/*.test.ts"],
    exclude: ["**/node_modules/**", "bench/**"],
    testTimeout: 30_000,
  },
});
