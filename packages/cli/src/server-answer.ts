import { validateRedirectUri } from "@polar-oauth/core/setup";
import { CliError, EXIT } from "./exit-codes.js";

/**
 * What the CLI accepts from a Polar server before it writes anything: a malicious or
 * compromised `POLAR_SERVER` could otherwise answer a registration with a "secret" such as
 * `x'"\rNODE_OPTIONS=--require=/tmp/p.js\r#`, which a dotenv file would turn into a second
 * variable (code execution at the app's next start).
 *
 * Polar's identifiers and secrets are a prefix plus base62 (`server/polar/oauth2/constants.py`
 * for the prefixes; `polar/kit/crypto.py` generates 37 base62 characters and a 6-character
 * checksum); the patterns allow `_` and `-` too and bound the length, nothing else.
 */
const TOKEN_BODY = "[A-Za-z0-9_-]{16,128}";

/** The expected shape of each kind of value, by the variable it is written to. */
const SHAPES: ReadonlyArray<{ variable: RegExp; field: string; pattern: RegExp; shape: string }> = [
  {
    variable: /^POLAR_(?:PREVIOUS_)?CLIENT_ID(?:_[A-Z]+)?$/,
    field: "client_id",
    pattern: new RegExp(`^polar_ci_${TOKEN_BODY}$`),
    shape: "polar_ci_ followed by 16 to 128 letters, digits, '_' or '-'",
  },
  {
    variable: /^POLAR_CLIENT_SECRET(?:_[A-Z]+)?$/,
    field: "client_secret",
    pattern: new RegExp(`^polar_cs_${TOKEN_BODY}$`),
    shape: "polar_cs_ followed by 16 to 128 letters, digits, '_' or '-'",
  },
  {
    variable: /^POLAR_(?:PREVIOUS_)?REGISTRATION_TOKEN(?:_[A-Z]+)?$/,
    field: "registration_access_token",
    pattern: new RegExp(`^polar_crt_${TOKEN_BODY}$`),
    shape: "polar_crt_ followed by 16 to 128 letters, digits, '_' or '-'",
  },
];

const REDIRECT_URI_VARIABLE = /^POLAR_REDIRECT_URI(?:_[A-Z]+)?$/;

/** C0 and C1 control characters, DEL, line separators, space, and quotes, `\` and `$`. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const UNSAFE_CHARACTERS = /[\u0000-\u0020\u007f-\u009f\u2028\u2029"'`\\$]/;

/**
 * Checks every credential before it is written or printed: ids, secrets and tokens against
 * Polar's shapes, redirect URIs against core's rules and for any control character, quote,
 * backslash or `$`. Throws a {@link CliError} naming the field (never its value) otherwise.
 */
export function assertTrustworthyCredentials(
  entries: ReadonlyArray<readonly [string, string]>,
): void {
  for (const [variable, value] of entries) {
    const shape = SHAPES.find((s) => s.variable.test(variable));
    if (shape) {
      if (!shape.pattern.test(value)) {
        throw untrustworthy(
          `its ${shape.field} (for ${variable}) does not look like Polar's: ${shape.shape}`,
        );
      }
      continue;
    }
    if (UNSAFE_CHARACTERS.test(value)) {
      throw untrustworthy(
        `the value for ${variable} contains a control character, space, quote, backslash or '$'`,
      );
    }
    if (REDIRECT_URI_VARIABLE.test(variable)) {
      const verdict = validateRedirectUri(value, "development");
      if (!verdict.ok) {
        throw untrustworthy(`the redirect URI it stored (for ${variable}) is invalid`);
      }
    }
  }
}

function untrustworthy(reason: string): CliError {
  return new CliError(
    `Refusing the Polar server's answer: ${reason}. Nothing was written. If POLAR_SERVER does not point at Polar (or your own emulator), stop using it; otherwise report this answer to its operator.`,
    EXIT.FAILURE,
    "SERVER_ANSWER_UNTRUSTED",
  );
}
