import type { GrantType, PolarClientMetadata, TokenEndpointAuthMethod } from "./client-metadata.js";
import { POLAR_SCOPES, splitScope } from "./scopes.js";

export type { PolarClientMetadata } from "./client-metadata.js";

/** One entry of a 422 `{"detail":[…]}` body, shaped like FastAPI/pydantic's. */
export interface ValidationIssue {
  type: string;
  loc: Array<string | number>;
  msg: string;
  input: unknown;
}

/** Outcome of `checkClientMetadata`: stored metadata, or the status and body to answer with. */
export type RegistrationCheck =
  | { ok: true; metadata: PolarClientMetadata; clientId?: string }
  | { ok: false; status: 422; body: { error: "RequestValidationError"; detail: ValidationIssue[] } }
  | { ok: false; status: 400; body: { error: string; error_description: string } };

const AUTH_METHODS: readonly TokenEndpointAuthMethod[] = [
  "client_secret_basic",
  "client_secret_post",
  "none",
];
const GRANT_TYPES: readonly GrantType[] = ["authorization_code", "refresh_token"];
/**
 * Schemes the emulator refuses in a redirect URI even with a host (`javascript://x/…`), which
 * Authlib would let through: a deliberate difference (FIDELITY.md). Without a host Polar
 * refuses them too.
 */
const BLOCKED_SCHEMES = new Set(["javascript:", "data:", "vbscript:", "file:", "blob:"]);

/** The URI fields Authlib 1.7.2 checks with `is_valid_url(uri, fragments_allowed=False)`. */
const AUTHLIB_URI_FIELDS = [
  "redirect_uris",
  "client_uri",
  "logo_uri",
  "tos_uri",
  "policy_uri",
] as const;

/**
 * Authlib 1.7.2's `is_valid_url(uri, fragments_allowed=False)` (`authlib/common/urls.py`):
 * a scheme, a host (`urlparse(uri).hostname`) and no fragment, else the claim is invalid.
 */
export function authlibAcceptsUri(uri: string): boolean {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return false;
  }
  return url.hostname !== "" && url.hash === "";
}

/**
 * What Authlib 1.7.2's `ClientMetadataClaims.validate` (`authlib/oauth2/rfc7591/claims.py`)
 * refuses after Polar's schema has passed, in its order: the scope against `scopes_supported`
 * (a hook run first), then `redirect_uris`, `client_uri`, `logo_uri`, `tos_uri`, `policy_uri`.
 * The endpoint answers 400 `invalid_client_metadata` with joserfc's `Invalid claim: '<name>'`.
 */
function authlibInvalidClaim(
  metadata: PolarClientMetadata,
  supportedScopes: readonly string[],
): string | undefined {
  const supported = new Set(supportedScopes);
  if (splitScope(metadata.scope).some((s) => !supported.has(s))) return "scope";
  for (const field of AUTHLIB_URI_FIELDS) {
    const value = metadata[field];
    const uris = Array.isArray(value) ? value : value === undefined ? [] : [value];
    const refused = (uri: string) =>
      !authlibAcceptsUri(uri) ||
      (field === "redirect_uris" && BLOCKED_SCHEMES.has(new URL(uri).protocol));
    if (uris.some(refused)) return field;
  }
  return undefined;
}

function ipv4(host: string): number[] | undefined {
  const parts = host.split(".");
  if (parts.length !== 4) return undefined;
  const bytes = parts.map((part) => (/^(0|[1-9]\d{0,2})$/.test(part) ? Number(part) : Number.NaN));
  return bytes.every((b) => b >= 0 && b <= 255) ? bytes : undefined;
}

/**
 * Python's `IPv4Address.is_private`, which Polar uses to allow plain-http redirect URIs, as
 * Python 3.14 (Polar's server/Dockerfile) has it: 192.0.0/24 except .9 and .10, and no octet
 * with a leading zero.
 */
export function isPrivateIPv4(host: string): boolean {
  const b = ipv4(host);
  if (!b) return false;
  const [a = 0, c = 0, d = 0, e = 0] = b;
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    (a === 169 && c === 254) ||
    (a === 172 && c >= 16 && c <= 31) ||
    (a === 192 && c === 0 && d === 0 && e !== 9 && e !== 10) ||
    (a === 192 && c === 0 && d === 2) ||
    (a === 192 && c === 168) ||
    (a === 198 && (c === 18 || c === 19)) ||
    (a === 198 && c === 51 && d === 100) ||
    (a === 203 && c === 0 && d === 113) ||
    a >= 240
  );
}

/** Hosts where Polar allows plain http: localhost, *.localhost and private IPv4 addresses. */
export function isLocalHost(hostname: string): boolean {
  return hostname === "localhost" || hostname.endsWith(".localhost") || isPrivateIPv4(hostname);
}

/**
 * Validates one redirect URI by Polar's rules (`URIOrLocalhost` in server/polar/oauth2/schemas.py:
 * pydantic's AnyUrl, then http only where `_is_localhost`); returns the normalised URI or the
 * reason it is rejected. Userinfo (`user@host`) passes, as it does at Polar. A fragment or a
 * missing host passes here and is refused later by Authlib (`authlibAcceptsUri`).
 */
export function checkRedirectUri(
  raw: string,
): { ok: true; uri: string } | { ok: false; type: string; msg: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return {
      ok: false,
      type: "url_parsing",
      msg: "Input should be a valid URL, relative URL without a base",
    };
  }
  if (url.protocol === "http:" && !isLocalHost(url.hostname)) {
    return { ok: false, type: "value_error", msg: "Value error, An HTTPS URL is required." };
  }
  return { ok: true, uri: url.href };
}

function checkHttpUrl(
  raw: string,
): { ok: true; uri: string } | { ok: false; type: string; msg: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return {
      ok: false,
      type: "url_parsing",
      msg: "Input should be a valid URL, relative URL without a base",
    };
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return { ok: false, type: "url_scheme", msg: "URL scheme should be 'http' or 'https'" };
  }
  return { ok: true, uri: url.href };
}

function literalMessage(values: readonly string[]): string {
  const quoted = values.map((v) => `'${v}'`);
  return quoted.length === 1
    ? `Input should be ${quoted[0]}`
    : `Input should be ${quoted.slice(0, -1).join(", ")} or ${quoted.at(-1)}`;
}

/**
 * Validates a registration (mode "create") or RFC 7592 update (mode "update") body like Polar:
 * schema problems → 422 `{detail}` (Polar's pydantic schema, `server/polar/oauth2/schemas.py`),
 * then Authlib's claims (an unknown scope; a URI without host or with a fragment) → 400
 * `invalid_client_metadata`; defaults filled, URIs normalised, `default_sub_type` and unknown
 * fields (a `client_secret` included) dropped. `redirect_uris: []` passes, as it does at Polar.
 */
export function checkClientMetadata(
  body: unknown,
  mode: "create" | "update",
  supportedScopes: readonly string[] = POLAR_SCOPES,
): RegistrationCheck {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return {
      ok: false,
      status: 400,
      body: {
        error: "invalid_request",
        error_description: "The request body must be a JSON object.",
      },
    };
  }
  const input = body as Record<string, unknown>;
  const issues: ValidationIssue[] = [];
  const issue = (type: string, loc: Array<string | number>, msg: string, value: unknown) =>
    issues.push({ type, loc: ["body", ...loc], msg, input: value });

  const requiredString = (field: string): string | undefined => {
    const value = input[field];
    if (value === undefined) issue("missing", [field], "Field required", input);
    else if (typeof value !== "string")
      issue("string_type", [field], "Input should be a valid string", value);
    else return value;
    return undefined;
  };

  const clientId = mode === "update" ? requiredString("client_id") : undefined;
  const clientName = requiredString("client_name");

  const redirectUris: string[] = [];
  const rawUris = input.redirect_uris;
  if (rawUris === undefined) issue("missing", ["redirect_uris"], "Field required", input);
  else if (!Array.isArray(rawUris))
    issue("list_type", ["redirect_uris"], "Input should be a valid list", rawUris);
  else {
    rawUris.forEach((raw, i) => {
      if (typeof raw !== "string") {
        issue("url_type", ["redirect_uris", i], "URL input should be a string or URL", raw);
        return;
      }
      const checked = checkRedirectUri(raw);
      if (checked.ok) redirectUris.push(checked.uri);
      else issue(checked.type, ["redirect_uris", i], checked.msg, raw);
    });
  }

  let authMethod: TokenEndpointAuthMethod = "client_secret_post";
  const rawMethod = input.token_endpoint_auth_method;
  if (rawMethod !== undefined) {
    if (typeof rawMethod === "string" && (AUTH_METHODS as readonly string[]).includes(rawMethod)) {
      authMethod = rawMethod as TokenEndpointAuthMethod;
    } else
      issue(
        "literal_error",
        ["token_endpoint_auth_method"],
        literalMessage(AUTH_METHODS),
        rawMethod,
      );
  }

  let grantTypes: GrantType[] = [...GRANT_TYPES];
  const rawGrants = input.grant_types;
  if (rawGrants !== undefined) {
    if (!Array.isArray(rawGrants))
      issue("list_type", ["grant_types"], "Input should be a valid list", rawGrants);
    else {
      grantTypes = [];
      rawGrants.forEach((grant, i) => {
        if (typeof grant === "string" && (GRANT_TYPES as readonly string[]).includes(grant)) {
          if (!grantTypes.includes(grant as GrantType)) grantTypes.push(grant as GrantType);
        } else issue("literal_error", ["grant_types", i], literalMessage(GRANT_TYPES), grant);
      });
    }
  }

  const rawResponseTypes = input.response_types;
  if (rawResponseTypes !== undefined) {
    if (!Array.isArray(rawResponseTypes))
      issue("list_type", ["response_types"], "Input should be a valid list", rawResponseTypes);
    else
      rawResponseTypes.forEach((type, i) => {
        if (type !== "code")
          issue("literal_error", ["response_types", i], literalMessage(["code"]), type);
      });
  }

  // Polar's schema default: " ".join(SCOPES_SUPPORTED), every scope the server has *today*.
  let scope = supportedScopes.join(" ");
  const rawScope = input.scope;
  if (rawScope !== undefined && rawScope !== null) {
    if (typeof rawScope !== "string")
      issue("string_type", ["scope"], "Input should be a valid string", rawScope);
    else scope = splitScope(rawScope).join(" ");
  }

  const optional: Partial<
    Pick<PolarClientMetadata, "client_uri" | "logo_uri" | "tos_uri" | "policy_uri">
  > = {};
  const clientUri = input.client_uri;
  if (clientUri !== undefined && clientUri !== null) {
    if (typeof clientUri !== "string")
      issue("string_type", ["client_uri"], "Input should be a valid string", clientUri);
    else optional.client_uri = clientUri;
  }
  for (const field of ["logo_uri", "tos_uri", "policy_uri"] as const) {
    const value = input[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== "string") {
      issue("url_type", [field], "URL input should be a string or URL", value);
      continue;
    }
    const checked = checkHttpUrl(value);
    if (checked.ok) optional[field] = checked.uri;
    else issue(checked.type, [field], checked.msg, value);
  }

  const subType = input.default_sub_type;
  if (subType !== undefined && subType !== "user" && subType !== "organization") {
    issue("enum", ["default_sub_type"], literalMessage(["user", "organization"]), subType);
  }

  // Polar's request_validation_exception_handler (server/polar/exception_handlers.py) adds `error`.
  if (issues.length > 0)
    return { ok: false, status: 422, body: { error: "RequestValidationError", detail: issues } };

  const metadata: PolarClientMetadata = {
    client_name: clientName!,
    redirect_uris: redirectUris,
    token_endpoint_auth_method: authMethod,
    grant_types: grantTypes,
    response_types: ["code"],
    scope,
    ...optional,
  };
  const invalidClaim = authlibInvalidClaim(metadata, supportedScopes);
  if (invalidClaim !== undefined) {
    return {
      ok: false,
      status: 400,
      body: {
        error: "invalid_client_metadata",
        error_description: `Invalid claim: '${invalidClaim}'`,
      },
    };
  }
  return { ok: true, clientId, metadata };
}
