import type { Output } from "./output.js";

/** Delay before a progress line appears, in ms: fast calls print nothing. */
export const PROGRESS_DELAY_MS = 300;

/**
 * Runs a network call; if it takes longer than {@link PROGRESS_DELAY_MS} and stderr is a
 * terminal, shows "… label" on stderr until it settles, then erases the line.
 */
export async function withProgress<T>(
  output: Output,
  label: string,
  call: () => Promise<T>,
): Promise<T> {
  const stderr = output.io.stderr;
  if (!stderr.isTTY) return call();
  let shown = false;
  const timer = setTimeout(() => {
    shown = true;
    stderr.write(`${output.errorColors.dim(`… ${label}`)}`);
  }, PROGRESS_DELAY_MS);
  try {
    return await call();
  } finally {
    clearTimeout(timer);
    if (shown) stderr.write("\r\x1b[2K");
  }
}
