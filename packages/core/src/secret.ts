import { inspect } from "node:util";

const REDACTED = "[redacted]";

/**
 * A secret value (client secret, registration token, session password, access token) that
 * never prints itself: `String()`, `JSON.stringify`, `util.inspect` and template literals all
 * show `[redacted]`. Call `reveal()` only where the value leaves for its one legitimate use.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The plain value. Pass it straight to the one place that needs it; never log it. */
  reveal(): string {
    return this.#value;
  }

  /** Number of characters, for checks such as "at least 32 characters". */
  get length(): number {
    return this.#value.length;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return `Secret(${REDACTED})`;
  }
}

/** Wraps a string as a {@link Secret}; passes a Secret through unchanged. */
export function secret(value: string | Secret): Secret {
  return value instanceof Secret ? value : new Secret(value);
}
