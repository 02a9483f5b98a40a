/**
 * Test options every project shares: a test that asserts nothing fails (a test must be able to
 * fail), by configuration rather than convention.
 */
export const sharedTestOptions = {
  expect: { requireAssertions: true },
} as const;
