import type { KoaContext } from "oidc-provider";
import type { EmulatorEnv } from "../emulator-env.js";
import { allowCors, bearerToken, sendJson, sendOAuthError } from "../http-utils.js";
import { splitScope } from "../scopes.js";
import { downScopeOfToken } from "../token-lookup.js";
import type { FixtureOrganization } from "../types.js";

/** Either scope lets a token list organizations (`server/polar/organization/auth.py` `OrganizationsRead`). */
const READ_SCOPES = ["organizations:read", "organizations:write"];

/** When fixture organizations were "created": fixed, so answers are reproducible. */
const FIXTURE_CREATED_AT = "2025-01-01T00:00:00Z";

/** Polar's `Organization` schema (`server/polar/organization/schemas.py`), filled from a fixture. */
export function organizationResource(org: FixtureOrganization): Record<string, unknown> {
  return {
    created_at: FIXTURE_CREATED_AT,
    modified_at: null,
    id: org.id,
    name: org.name,
    slug: org.slug,
    avatar_url: null,
    proration_behavior: "prorate",
    allow_customer_updates: true,
    email: null,
    website: null,
    socials: [],
    status: "created",
    details_submitted_at: null,
    default_presentment_currency: "usd",
    country: null,
  };
}

function positiveInt(value: string | null, fallback: number): number | undefined {
  if (value === null) return fallback;
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/**
 * `GET /v1/organizations/` with an OAuth access token: Polar's `ListResource`
 * (`{items, pagination:{total_count, max_page}}`) of the user's organizations, narrowed to the
 * token's down-scope (an organization sign-in lists exactly the chosen one). No token: 401
 * `Unauthorized`; an unknown or expired one: 401 `invalid_token`; neither `organizations:read`
 * nor `organizations:write` granted: 403 `insufficient_scope` (`server/polar/oauth2/exceptions.py`).
 */
export function handleOrganizations(ctx: KoaContext, env: EmulatorEnv): void {
  if (allowCors(ctx, "GET")) return;
  if (ctx.method !== "GET") {
    ctx.set("Allow", "GET");
    sendJson(ctx, 405, { detail: "Method Not Allowed" });
    return;
  }
  const token = bearerToken(ctx);
  if (!token) {
    ctx.set("WWW-Authenticate", 'Bearer realm="polar"');
    sendJson(ctx, 401, { error: "Unauthorized", detail: "Unauthorized" });
    return;
  }
  const payload = env.store.find("AccessToken", token);
  const user = payload ? env.fixtures.user(String(payload.accountId)) : undefined;
  if (!payload || !user) {
    const description =
      "The access token provided is expired, revoked, malformed, or invalid for other reasons.";
    ctx.set(
      "WWW-Authenticate",
      `Bearer realm="polar", error="invalid_token", error_description="${description}"`,
    );
    sendOAuthError(ctx, 401, "invalid_token", description);
    return;
  }
  const granted = new Set(splitScope(typeof payload.scope === "string" ? payload.scope : ""));
  if (!READ_SCOPES.some((scope) => granted.has(scope))) {
    const description = "The request requires higher privileges than provided by the access token.";
    ctx.set(
      "WWW-Authenticate",
      `Bearer realm="polar", scope="${READ_SCOPES.join(" ")}", error="insufficient_scope", error_description="${description}"`,
    );
    sendOAuthError(ctx, 403, "insufficient_scope", description);
    return;
  }
  const query = new URLSearchParams(ctx.querystring);
  const page = positiveInt(query.get("page"), 1);
  const limit = positiveInt(query.get("limit"), 10);
  if (page === undefined || limit === undefined || limit > 100) {
    sendJson(ctx, 422, {
      detail: [
        {
          type: "value_error",
          loc: ["query", page === undefined ? "page" : "limit"],
          msg: "must be a positive integer (limit at most 100)",
        },
      ],
    });
    return;
  }
  const downScope = downScopeOfToken(env.store, payload);
  const slug = query.get("slug") ?? undefined;
  const visible = env.fixtures
    .organizationsOf(user)
    .filter((org) => downScope.length === 0 || downScope.includes(org.id))
    .filter((org) => slug === undefined || org.slug === slug);
  sendJson(ctx, 200, {
    items: visible.slice((page - 1) * limit, page * limit).map(organizationResource),
    pagination: { total_count: visible.length, max_page: Math.ceil(visible.length / limit) },
  });
}
