import { defineProject } from "vitest/config";
import { sharedTestOptions } from "../../vitest.shared.js";

export default defineProject({
  test: {
    ...sharedTestOptions,
    name: "redis",
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
  },
});
