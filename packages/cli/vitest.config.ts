import { defineProject } from "vitest/config";

export default defineProject({
  // Tests run the real binary (tsx start-up ≈ 0.5 s per run), several per test.
  test: { name: "cli", include: ["test/**/*.test.ts"], testTimeout: 30_000, hookTimeout: 30_000 },
});
