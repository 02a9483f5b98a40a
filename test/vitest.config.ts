import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "suites",
    include: ["**/*.test.ts"],
    exclude: ["**/node_modules/**", "bench/**"],
    testTimeout: 30_000,
  },
});
