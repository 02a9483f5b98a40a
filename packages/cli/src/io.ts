/** A writable stream as the CLI sees it: text out, and whether a terminal is attached. */
export interface CliStream {
  write(text: string): void;
  isTTY?: boolean | undefined;
}

/**
 * Everything the CLI touches outside itself, so tests can run it in-process: output streams,
 * the environment, the working directory and (for confirmations) a line reader.
 */
export interface CliIo {
  stdout: CliStream;
  stderr: CliStream;
  /** The process environment (never mutated). */
  env: Readonly<Record<string, string | undefined>>;
  /** Directory that relative paths (`--out`, `polar-oauth.json`) resolve against. */
  cwd: string;
  /** True when a person can answer a question (stdin and stderr are terminals). */
  interactive: boolean;
  /** Asks one question and resolves with the answer line; only called when `interactive`. */
  ask?: ((question: string) => Promise<string>) | undefined;
}

/** The real process: stdout/stderr, `process.env`, `process.cwd()`, readline on a TTY. */
export function processIo(): CliIo {
  const interactive = Boolean(process.stdin.isTTY && process.stderr.isTTY);
  return {
    stdout: {
      write: (text) => void process.stdout.write(text),
      isTTY: process.stdout.isTTY,
    },
    stderr: {
      write: (text) => void process.stderr.write(text),
      isTTY: process.stderr.isTTY,
    },
    env: process.env,
    cwd: process.cwd(),
    interactive,
    ask: async (question) => {
      const { createInterface } = await import("node:readline/promises");
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return await rl.question(question);
      } finally {
        rl.close();
      }
    },
  };
}
