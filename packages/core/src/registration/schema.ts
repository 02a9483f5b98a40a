import { z } from "zod";
import { validateRedirectUri } from "../redirect-uri/validate.js";
import { describeUnknownScope, isPolarScope, parseScopes } from "../scopes.js";
import { Secret } from "../secret.js";

/** How a client authenticates at Polar's token endpoint. */
export const AUTH_METHODS = ["client_secret_post", "client_secret_basic", "none"] as const;
/** `client_secret_post` | `client_secret_basic` | `none` (public client). */
export type AuthMethod = (typeof AUTH_METHODS)[number];

/** Whom a token acts for: a user, or one organization the user picks at consent. */
export const SUB_TYPES = ["user", "organization"] as const;
/** `user` | `organization`. */
export type SubType = (typeof SUB_TYPES)[number];

const GRANT_TYPES = ["authorization_code", "refresh_token"] as const;

const httpUrl = z.url({ protocol: /^https?$/, error: "must be an http(s) URL" });

/** Space-separated Polar scopes; each must be one Polar accepts. */
export const scopeStringSchema = z.string().superRefine((value, ctx) => {
  const scopes = parseScopes(value);
  if (scopes.length === 0) ctx.addIssue({ code: "custom", message: "is empty" });
  for (const scope of scopes) {
    if (!isPolarScope(scope))
      ctx.addIssue({ code: "custom", message: describeUnknownScope(scope) });
  }
});

/**
 * The client metadata you register at Polar (RFC 7591 names, the seed's fields and defaults).
 * The CLI's `polar-oauth.json` entries use this same schema.
 */
export const clientMetadataSchema = z.object({
  client_name: z.string().trim().min(1, "is required"),
  redirect_uris: z
    .array(
      z.string().superRefine((uri, ctx) => {
        const verdict = validateRedirectUri(uri, "development");
        if (!verdict.ok)
          ctx.addIssue({ code: "custom", message: `${verdict.problem} ${verdict.fix}` });
      }),
    )
    .min(1, "needs at least one redirect URI"),
  client_uri: httpUrl.optional(),
  logo_uri: httpUrl.optional(),
  tos_uri: httpUrl.optional(),
  policy_uri: httpUrl.optional(),
  token_endpoint_auth_method: z.enum(AUTH_METHODS).default("client_secret_post"),
  grant_types: z.array(z.enum(GRANT_TYPES)).default(["authorization_code", "refresh_token"]),
  response_types: z.array(z.literal("code")).default(["code"]),
  scope: scopeStringSchema.optional(),
  default_sub_type: z.enum(SUB_TYPES).optional(),
});

/** Client metadata as you write it (defaults optional). */
export type ClientMetadataInput = z.input<typeof clientMetadataSchema>;
/** Client metadata with the seed's defaults applied. */
export type ClientMetadata = z.output<typeof clientMetadataSchema>;

const secretField = z
  .string()
  .min(1)
  .transform((value) => new Secret(value));
const optionalUrl = z.string().nullish();

/**
 * A client as Polar returns it; the client secret and registration token arrive as
 * {@link Secret}. Unknown fields are dropped, so a future secret-bearing field cannot leak.
 */
export const registeredClientSchema = z.object({
  client_id: z.string().min(1),
  client_secret: secretField.nullish(),
  client_id_issued_at: z.number().optional(),
  client_secret_expires_at: z.number().optional(),
  registration_client_uri: z.string().nullish(),
  registration_access_token: secretField.nullish(),
  client_name: z.string().nullish(),
  redirect_uris: z.array(z.string()),
  client_uri: optionalUrl,
  logo_uri: optionalUrl,
  tos_uri: optionalUrl,
  policy_uri: optionalUrl,
  token_endpoint_auth_method: z.string().default("client_secret_post"),
  grant_types: z.array(z.string()).optional(),
  response_types: z.array(z.string()).optional(),
  scope: z.string().nullish(),
  default_sub_type: z.string().nullish(),
});

/** A registered Polar OAuth client. Polar returns a confidential client's `client_secret` on registration, read and update alike (a {@link Secret} here). */
export type RegisteredClient = z.output<typeof registeredClientSchema>;
