import * as oidc from "openid-client";
import type { PolarConfig } from "../config/schema.js";
import { requestPolar } from "../http.js";
import type { PolarOrganization } from "../session/data.js";
import { PolarLoginError, toLoginError } from "./login-error.js";

/** Scopes that let a token list organizations (`server/polar/organization/auth.py` `OrganizationsRead`). */
export const ORGANIZATION_READ_SCOPES = ["organizations:read", "organizations:write"] as const;

/** How an organization sign-in can learn the chosen organization with this configuration. */
export type OrganizationSource = "introspection" | "organizations-api" | "none";

/**
 * Where the chosen organization comes from: a confidential client introspects its token
 * (Polar lists the down-scope in `organizations`); a public client cannot introspect, so it
 * reads `GET /v1/organizations/` with the token (which lists only the chosen organization)
 * when `organizations:read` (or `:write`) is requested; otherwise it cannot learn it at all.
 */
export function organizationSource(config: PolarConfig): OrganizationSource {
  if (config.authMethod !== "none") return "introspection";
  return canListOrganizations(config.scopes) ? "organizations-api" : "none";
}

function canListOrganizations(scopes: readonly string[]): boolean {
  return ORGANIZATION_READ_SCOPES.some((scope) => scopes.includes(scope));
}

/** Longer names or slugs are left out rather than sealed into every request's cookie. */
const MAX_LABEL_LENGTH = 256;

const label = (value: unknown): value is string =>
  typeof value === "string" && value.length <= MAX_LABEL_LENGTH;

interface ListedOrganization {
  id: string;
  name?: string;
  slug?: string;
}

function listedOrganizations(body: unknown): ListedOrganization[] {
  const items = (body as { items?: unknown } | undefined)?.items;
  if (!Array.isArray(items)) return [];
  return items.flatMap((item) => {
    const org = item as Record<string, unknown>;
    if (typeof org?.id !== "string") return [];
    const listed: ListedOrganization = { id: org.id };
    if (label(org.name)) listed.name = org.name;
    if (label(org.slug)) listed.slug = org.slug;
    return [listed];
  });
}

function unresolved(detail: string): PolarLoginError {
  return new PolarLoginError("organization_unresolved", { detail });
}

/**
 * The organization an organization sign-in was down-scoped to, read once at the callback.
 * Polar issues a user token and limits it to the organization picked at consent
 * (`server/polar/oauth2/grants/authorization_code.py` `_resolve_organization_ids`).
 * Returns undefined when this configuration cannot learn it (a public client without
 * `organizations:read`). Throws {@link PolarLoginError} when Polar does not name exactly one.
 */
export async function resolveOrganization(
  config: PolarConfig,
  configuration: oidc.Configuration,
  accessToken: string,
  grantedScopes: readonly string[],
  fetchImpl: typeof fetch | undefined,
): Promise<PolarOrganization | undefined> {
  const source = organizationSource(config);
  // Polar drops a requested scope the client lacks, so check what was granted.
  if (source === "none" || (source === "organizations-api" && !canListOrganizations(grantedScopes)))
    return undefined;
  let id: string | undefined;
  if (source === "introspection") {
    let introspection: oidc.IntrospectionResponse;
    try {
      introspection = await oidc.tokenIntrospection(configuration, accessToken);
    } catch (error) {
      throw toLoginError(error, "introspection");
    }
    const organizations = (introspection as { organizations?: unknown }).organizations;
    if (
      !Array.isArray(organizations) ||
      organizations.length !== 1 ||
      typeof organizations[0] !== "string"
    ) {
      throw unresolved(
        `introspection listed ${Array.isArray(organizations) ? organizations.length : "no"} organizations, expected 1`,
      );
    }
    id = organizations[0];
    if (!canListOrganizations(grantedScopes)) return { id };
  }
  let listed: ListedOrganization[];
  try {
    const { body } = await requestPolar(
      "organizations",
      `${config.server.url}/v1/organizations/?limit=100`,
      { headers: { authorization: `Bearer ${accessToken}`, accept: "application/json" } },
      { fetch: fetchImpl, timeoutMs: config.timeoutMs },
    );
    listed = listedOrganizations(body);
  } catch (error) {
    throw toLoginError(error, "organizations");
  }
  if (id !== undefined) {
    const chosen = id;
    return listed.find((org) => org.id === chosen) ?? { id: chosen };
  }
  if (listed.length !== 1 || !listed[0]) {
    throw unresolved(`the organizations API listed ${listed.length} organizations, expected 1`);
  }
  return listed[0];
}
