import type { KoaContext } from "oidc-provider";
import { type CatalogOrder, catalogOf, type OrganizationCatalog } from "../api/catalog.js";
import {
  orderResource,
  organizationResource,
  productResource,
  subscriptionResource,
} from "../api/resources.js";
import type { EmulatorEnv } from "../emulator-env.js";
import { allowCors, bearerToken, sendJson, sendOAuthError } from "../http-utils.js";
import { splitScope } from "../scopes.js";
import { downScopeOfToken } from "../token-lookup.js";
import type { FixtureOrganization } from "../types.js";

/*
 * The slice of Polar's REST API that apps signed in with Polar read: organizations, products,
 * orders and subscriptions, from fixtures. Authentication, scopes, paging, sorting and the
 * `organization_id` filter behave like Polar's (`server/polar/auth/dependencies.py`,
 * `kit/pagination.py`, `kit/sorting.py`, `<resource>/endpoints.py` and `<resource>/auth.py`).
 */

/** An item of a list, with what sorting and filters read. */
interface Listed {
  organizationId: string;
  createdAt: string;
  name?: string;
  slug?: string;
  resource: unknown;
}

/** One list route: its scopes (any one suffices) and the items visible to the caller. */
interface ListRoute {
  scopes: readonly string[];
  /** Sort keys Polar accepts (`<resource>/sorting.py`), and its default; others are 422. */
  sorting: Record<string, (item: Listed) => string>;
  defaultSorting: string;
  /** Query filters besides `organization_id` (organizations: `slug`). */
  items(organizations: FixtureOrganization[], query: URLSearchParams): Listed[];
}

const byCreated = (item: Listed) => item.createdAt;
const byName = (item: Listed) => item.name ?? "";
/** A sort key Polar accepts that the fixtures do not vary on: leaves the order as it is. */
const same = () => "";

const catalogs = new WeakMap<FixtureOrganization, OrganizationCatalog>();
function catalog(org: FixtureOrganization): OrganizationCatalog {
  let found = catalogs.get(org);
  if (!found) {
    found = catalogOf(org);
    catalogs.set(org, found);
  }
  return found;
}

/** Routes by path (with and without the trailing slash, as Polar's router answers both). */
const LISTS: Record<string, ListRoute> = {
  // organization/auth.py OrganizationsRead; organization/sorting.py; endpoints.py `slug`
  organizations: {
    scopes: ["organizations:read", "organizations:write"],
    sorting: {
      created_at: byCreated,
      slug: (i) => i.slug ?? "",
      name: byName,
      next_review_threshold: same,
      days_in_status: same,
    },
    defaultSorting: "created_at",
    items: (orgs, query) => {
      const slug = query.get("slug");
      return orgs
        .filter((org) => slug === null || org.slug === slug)
        .map((org) => ({
          organizationId: org.id,
          createdAt: "2025-01-01T00:00:00Z",
          name: org.name,
          slug: org.slug,
          resource: organizationResource(org),
        }));
    },
  },
  // product/auth.py CreatorProductsRead; product/sorting.py (default -created_at)
  products: {
    scopes: ["products:read", "products:write"],
    sorting: {
      created_at: byCreated,
      name: byName,
      price_amount_type: same,
      price_amount: same,
    },
    defaultSorting: "-created_at",
    items: (orgs) =>
      orgs.flatMap((org) =>
        catalog(org).products.map((p) => ({
          organizationId: org.id,
          createdAt: p.createdAt,
          name: p.name,
          resource: productResource(p),
        })),
      ),
  },
  // order/auth.py OrdersRead: orders:read only; order/sorting.py (default -created_at)
  orders: {
    scopes: ["orders:read"],
    sorting: Object.fromEntries(
      [
        "status",
        "invoice_number",
        "amount",
        "net_amount",
        "customer",
        "product",
        "discount",
        "subscription",
      ]
        .map((key) => [key, same] as [string, (item: Listed) => string])
        .concat([["created_at", byCreated]]),
    ),
    defaultSorting: "-created_at",
    items: (orgs) =>
      orgs.flatMap((org) => {
        const { orders, subscriptions } = catalog(org);
        return orders.map((order: CatalogOrder) => ({
          organizationId: org.id,
          createdAt: order.createdAt,
          resource: orderResource(
            order,
            subscriptions.find((s) => s.id === order.subscriptionId),
          ),
        }));
      }),
  },
  // subscription/auth.py SubscriptionsRead; subscription/sorting.py (default -started_at)
  subscriptions: {
    scopes: ["subscriptions:read", "subscriptions:write"],
    sorting: Object.fromEntries(
      [
        "customer",
        "status",
        "current_period_end",
        "ended_at",
        "ends_at",
        "amount",
        "product",
        "discount",
      ]
        .map((key) => [key, same] as [string, (item: Listed) => string])
        .concat([["started_at", byCreated]]),
    ),
    defaultSorting: "-started_at",
    items: (orgs) =>
      orgs.flatMap((org) =>
        catalog(org).subscriptions.map((s) => ({
          organizationId: org.id,
          createdAt: s.startedAt,
          resource: subscriptionResource(s),
        })),
      ),
  },
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const API_PATH = /^\/v1\/(organizations|products|orders|subscriptions)(?:\/([^/]*))?$/;

/** Whether a path is one of the API routes {@link handleApi} serves. */
export function isApiPath(path: string): boolean {
  return API_PATH.test(path);
}

/**
 * `GET /v1/{organizations,products,orders,subscriptions}/` (Polar's `ListResource`) and
 * `GET /v1/organizations/{id}` with an OAuth access token. No token: 401 `Unauthorized`; an
 * unknown or expired one: 401 `invalid_token`; none of the route's scopes: 403
 * `insufficient_scope` (`oauth2/exceptions.py`). Only the user's organizations are visible,
 * narrowed to the token's down-scope (an organization sign-in sees the chosen one only).
 */
export function handleApi(ctx: KoaContext, env: EmulatorEnv): void {
  if (allowCors(ctx, "GET")) return;
  const [, resource, id] = API_PATH.exec(ctx.path) as unknown as [string, string, string?];
  const route = LISTS[resource]!;
  const isItem = id !== undefined && id !== "";
  if (ctx.method !== "GET" || (isItem && resource !== "organizations")) {
    if (ctx.method !== "GET") ctx.set("Allow", "GET");
    sendJson(ctx, ctx.method !== "GET" ? 405 : 404, {
      detail: ctx.method !== "GET" ? "Method Not Allowed" : "Not Found",
    });
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
  if (!route.scopes.some((scope) => granted.has(scope))) {
    const description = "The request requires higher privileges than provided by the access token.";
    ctx.set(
      "WWW-Authenticate",
      `Bearer realm="polar", scope="${route.scopes.join(" ")}", error="insufficient_scope", error_description="${description}"`,
    );
    sendOAuthError(ctx, 403, "insufficient_scope", description);
    return;
  }
  const downScope = downScopeOfToken(env.store, payload);
  const reachable = env.fixtures
    .organizationsOf(user)
    .filter((org) => downScope.length === 0 || downScope.includes(org.id));

  if (isItem) {
    // organization/endpoints.py `get`: ResourceNotFound for an invalid, unknown or foreign id.
    const org = UUID.test(id) ? reachable.find((o) => o.id === id) : undefined;
    if (!org) {
      if (!UUID.test(id))
        return void validationError(ctx, ["path", "id"], "Input should be a valid UUID");
      sendJson(ctx, 404, { error: "ResourceNotFound", detail: "Not found" });
      return;
    }
    sendJson(ctx, 200, organizationResource(org));
    return;
  }

  const query = new URLSearchParams(ctx.querystring);
  const page = positiveInt(query.get("page"), 1);
  const limit = positiveInt(query.get("limit"), 10);
  if (page === undefined)
    return void validationError(ctx, ["query", "page"], "Input should be greater than 0");
  if (limit === undefined)
    return void validationError(ctx, ["query", "limit"], "Input should be greater than 0");
  const filter = query.getAll("organization_id");
  const invalid = filter.find((value) => !UUID.test(value));
  if (invalid !== undefined)
    return void validationError(ctx, ["query", "organization_id"], "Input should be a valid UUID");
  const sorting = query.getAll("sorting");
  const criteria = sorting.length > 0 ? sorting : [route.defaultSorting];
  const unknown = criteria.find((c) => !(c.replace(/^-/, "") in route.sorting));
  if (unknown !== undefined)
    return void validationError(ctx, ["query", "sorting"], "Invalid sorting criterion.");

  const items = route
    .items(reachable, query)
    .filter((item) => filter.length === 0 || filter.includes(item.organizationId));
  items.sort((a, b) => {
    for (const criterion of criteria) {
      const key = route.sorting[criterion.replace(/^-/, "")]!;
      const order = key(a).localeCompare(key(b));
      if (order !== 0) return criterion.startsWith("-") ? -order : order;
    }
    return 0;
  });
  // kit/pagination.py: limit is capped at API_PAGINATION_MAX_LIMIT (100), not refused.
  const size = Math.min(limit, 100);
  sendJson(ctx, 200, {
    items: items.slice((page - 1) * size, page * size).map((item) => item.resource),
    pagination: { total_count: items.length, max_page: Math.ceil(items.length / size) },
  });
}

function positiveInt(value: string | null, fallback: number): number | undefined {
  if (value === null) return fallback;
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/** Polar's 422 (`exceptions.py` `PolarRequestValidationError`, FastAPI's `detail` list). */
function validationError(ctx: KoaContext, loc: string[], msg: string): void {
  sendJson(ctx, 422, {
    error: "RequestValidationError",
    detail: [{ type: "value_error", loc, msg, input: null }],
  });
}
