import type { CliIo } from "./io.js";

/**
 * Asks a yes/no question on the terminal; anything but "y"/"yes" is no. Returns undefined when
 * nobody can answer (not interactive), so the caller exits with "confirmation needed".
 */
export async function confirm(io: CliIo, question: string): Promise<boolean | undefined> {
  if (!io.interactive || !io.ask) return undefined;
  const answer = await io.ask(`${question} [y/N] `);
  return /^y(es)?$/i.test(answer.trim());
}
