import { afterEach } from "vitest";

/**
 * A list for what a test starts (apps, servers): push a closer, and it runs after that test,
 * whatever the outcome. Call once at the top of a file.
 */
export function closeAfterEach(): (() => Promise<void>)[] {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((close) => close()));
  });
  return closers;
}
