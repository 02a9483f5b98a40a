/**
 * Polls `check` every 5 ms until it holds (a wait for something another process or connection
 * does, not a timing assertion); fails naming `what` after `limitMs`.
 */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  what: string,
  limitMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
