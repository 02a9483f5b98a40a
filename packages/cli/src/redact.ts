/** Variable names whose values are secrets (checked case-insensitively). */
const SECRET_NAME = /SECRET|TOKEN|PASSWORD|_PAT\b|PRIVATE/i;

/**
 * Remembers every secret value the run has seen (from the environment, the credential file and
 * Polar's answers) and blanks them out of any text before it is printed. A second line of
 * defence: secrets are core `Secret` objects and are revealed only when written to the
 * credential target.
 */
export class Redactor {
  readonly #values = new Set<string>();

  /** Adds a secret value; values shorter than 6 characters are ignored (too many false hits). */
  add(value: string | undefined): void {
    if (value !== undefined && value.trim().length >= 6) this.#values.add(value.trim());
  }

  /** Adds the values of every secret-looking variable of an environment. */
  addEnvironment(env: Readonly<Record<string, string | undefined>>): void {
    for (const [name, value] of Object.entries(env)) {
      if (SECRET_NAME.test(name)) this.add(value);
    }
  }

  /** The text with every known secret replaced by `[redacted]`. */
  redact(text: string): string {
    let out = text;
    for (const value of this.#values) out = out.split(value).join("[redacted]");
    return out;
  }
}
