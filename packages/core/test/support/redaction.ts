import { Console } from "node:console";
import { Writable } from "node:stream";
import { inspect } from "node:util";
import { expect } from "vitest";

/**
 * Secret values that are easy to spot in any output. Each has the shape of the real thing
 * (prefix + 37 alphanumerics + 6-character checksum) and a distinctive middle.
 */
export const SECRETS = {
  clientSecret: "polar_cs_LEAKclientSecret4Ux9Qm2Zr7Tb1Vn5Kp8Wd3a1b2c3",
  registrationToken: "polar_crt_LEAKregToken8Hs2Lq6Yf0Jc4Xe9Gu3Ri7Mo5d4e5f6",
  accessToken: "polar_pat_LEAKpatToken1Ab2Cd3Ef4Gh5Ij6Kl7Mn8Op9Qrg7h8i9",
  sessionCurrent: "LEAKsessionCurrent-5b0c9e7a1f3d42688a0e",
  sessionPrevious: "LEAKsessionPrevious-c3f19d2e8b7a4065e1d4",
  sessionTooShort: "LEAKsessionShort-9x8",
} as const;

/** Everything distinctive about a secret: the value and its middle (catches partial leaks). */
function fragmentsOf(value: string): string[] {
  const middle = value.slice(Math.floor(value.length / 3), Math.floor(value.length / 3) + 12);
  return [value, middle];
}

/** What `console.log(value)` really prints, captured from a Console on a memory stream. */
export function consoleLogOutput(value: unknown): string {
  let output = "";
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      output += chunk.toString();
      done();
    },
  });
  new Console({ stdout: sink, stderr: sink, colorMode: false }).log(value);
  return output;
}

/** Every way a value commonly ends up in a log. */
export function renderings(value: unknown): Record<string, string> {
  const out: Record<string, string> = {
    consoleLog: consoleLogOutput(value),
    inspect: inspect(value, { depth: Number.POSITIVE_INFINITY }),
    inspectHidden: inspect(value, { depth: Number.POSITIVE_INFINITY, showHidden: true }),
    json: JSON.stringify(value) ?? "",
    string: String(value),
    template: `${value}`,
  };
  if (value instanceof Error) {
    out.message = value.message;
    out.stack = value.stack ?? "";
  }
  return out;
}

/** Asserts that no rendering of `value` contains any of `secrets` (or a piece of one). */
export function expectNoSecrets(value: unknown, secrets: readonly string[]): void {
  for (const [how, text] of Object.entries(renderings(value))) {
    for (const secretValue of secrets) {
      for (const fragment of fragmentsOf(secretValue)) {
        expect(text, `${how} leaks ${fragment}`).not.toContain(fragment);
      }
    }
  }
}
