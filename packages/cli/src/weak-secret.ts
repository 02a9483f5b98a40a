/**
 * Why a session secret looks weak, or undefined when nothing stands out. Heuristics only: a
 * sealed cookie uses iron's one-iteration PBKDF2, so anyone holding one cookie can test
 * guesses offline at hash speed; a secret typed by hand, made of few characters or of
 * repeats falls quickly. The reasons never quote the secret or any part of it.
 *
 * Flags: fewer than {@link MIN_DISTINCT} distinct characters (`openssl rand -hex 16` has about
 * 14 of 16 possible, base64 about 25); a run of 5 or more identical characters; a block
 * repeated to fill most of it (`abcdabcdabcd…`); a run of 6 or more consecutive characters
 * (`123456`, `abcdef`); or common words (`password`, `secret`, `changeme`, …).
 */
export function describeWeakSecret(secret: string): string | undefined {
  const distinct = new Set(secret).size;
  if (distinct < MIN_DISTINCT) return `only ${distinct} distinct characters`;
  if (/(.)\1{4}/su.test(secret)) return "a run of 5 or more identical characters";
  if (repeatsBlock(secret)) return "a repeated block of characters";
  if (hasSequence(secret, 6)) return "a run of 6 or more consecutive characters (like 123456)";
  const lower = secret.toLowerCase();
  if (COMMON_WORDS.some((word) => lower.includes(word))) return "common words";
  return undefined;
}

/** Fewer distinct characters than this is a short alphabet for a 32+ character secret. */
export const MIN_DISTINCT = 10;

const COMMON_WORDS = [
  "password",
  "passwd",
  "secret",
  "changeme",
  "change-me",
  "example",
  "default",
  "qwerty",
  "letmein",
  "session",
];

/** True when a block of at most a third of the length, repeated, makes up the whole string. */
function repeatsBlock(value: string): boolean {
  for (let size = 1; size <= Math.floor(value.length / 3); size++) {
    const block = value.slice(0, size);
    if (block.repeat(Math.ceil(value.length / size)).startsWith(value)) return true;
  }
  return false;
}

/** True when `length` characters in a row each follow the previous one by one code point (up or down). */
function hasSequence(value: string, length: number): boolean {
  let up = 1;
  let down = 1;
  for (let i = 1; i < value.length; i++) {
    const step = value.charCodeAt(i) - value.charCodeAt(i - 1);
    up = step === 1 ? up + 1 : 1;
    down = step === -1 ? down + 1 : 1;
    if (up >= length || down >= length) return true;
  }
  return false;
}
