import { createPolar, type models } from "@polar-sh/sdk/2026-10";
import { describe, expect, it } from "vitest";
import { completeAuthorization } from "../src/index.js";
import type { Emulator } from "../src/types.js";
import { authorizeUrl, emulator, redeemCode, registerOk } from "./helpers.js";
import { loadSdkModels } from "./support/sdk-models.js";

const ACME = "ac3e0000-0000-4000-8000-00000000a001";
const ALICE_LABS = "a11ce1ab-0000-4000-8000-00000000a002";
const BOBS_BUILDS = "b0bb0000-0000-4000-8000-00000000b001";
const ALL_READS = "openid organizations:read products:read orders:read subscriptions:read";

/** An access token of `user` through the real authorization flow. */
async function tokenOf(
  emu: Emulator,
  options: { user?: string; scope?: string; organizationId?: string } = {},
): Promise<string> {
  const client = await registerOk(emu);
  const url = authorizeUrl(emu, client, {
    scope: options.scope ?? ALL_READS,
    ...(options.organizationId ? { sub_type: "organization", prompt: "consent" } : {}),
  });
  const { redirectTo } = await completeAuthorization(url, {
    user: options.user ?? "alice@example.com",
    organizationId: options.organizationId,
  });
  const tokens = (await redeemCode(emu, client, redirectTo.searchParams.get("code")!)).body;
  return String(tokens.access_token);
}

async function get(emu: Emulator, token: string, path: string) {
  const response = await fetch(`${emu.url}${path}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return {
    status: response.status,
    wwwAuthenticate: response.headers.get("www-authenticate"),
    body: (await response.json()) as Record<string, unknown> & {
      items: Array<Record<string, unknown>>;
      pagination: { total_count: number; max_page: number };
    },
  };
}

const ROUTES = [
  { path: "/v1/organizations/", model: "ListResourceOrganization", scope: "organizations:read" },
  { path: "/v1/products/", model: "ListResourceProduct", scope: "products:read" },
  { path: "/v1/orders/", model: "ListResourceOrder", scope: "orders:read" },
  { path: "/v1/subscriptions/", model: "ListResourceSubscription", scope: "subscriptions:read" },
] as const;

describe("the Polar API slice, shaped like @polar-sh/sdk 2026-10's models", () => {
  const sdkModels = loadSdkModels();

  it("every route's answer has each field its model requires, with the model's types, and no other", async () => {
    const emu = await emulator();
    const token = await tokenOf(emu);
    for (const route of ROUTES) {
      const { status, body } = await get(emu, token, route.path);
      expect(status, route.path).toBe(200);
      expect(body.items.length, route.path).toBeGreaterThan(0);
      expect(sdkModels.check(body, route.model), route.path).toEqual([]);
      const itemModel = route.model.replace("ListResource", "");
      for (const field of sdkModels.requiredFields(itemModel))
        expect(body.items[0], `${route.path} ${field}`).toHaveProperty(field);
    }
    const one = await get(emu, token, `/v1/organizations/${ACME}`);
    expect(one.status).toBe(200);
    expect(sdkModels.check(one.body, "Organization")).toEqual([]);
    expect(sdkModels.requiredFields("Organization").length).toBeGreaterThan(20);
  });

  it("the checker finds a missing required field, a wrong type and an unknown field (it can fail)", () => {
    const org = {
      created_at: "2025-01-01T00:00:00Z",
      id: ACME,
      name: 1,
      slug: "acme",
      nickname: "x",
    };
    const problems = sdkModels.check(org, "Organization");
    expect(problems).toContain("Organization.modified_at: required field missing");
    expect(problems).toContain("Organization.name: expected a string, got 1");
    expect(problems).toContain("Organization.nickname: not a field of the model");
  });

  it(`the SDK (engines: node >=22) calls the emulator on this Node (${process.version}); the answers read as its types`, async () => {
    const emu = await emulator();
    const polar = createPolar({ accessToken: await tokenOf(emu), baseUrl: emu.url });
    // Every field the examples and the kit read, through the SDK's types (type-checked).
    const organizations: models.ListResourceOrganization = await polar.organizations.list();
    const read = organizations.items.map((org) => ({ id: org.id, name: org.name, slug: org.slug }));
    expect(read).toEqual([
      { id: ACME, name: "Acme Inc", slug: "acme" },
      { id: ALICE_LABS, name: "Alice Labs", slug: "alice-labs" },
    ]);
    const acme: models.Organization = await polar.organizations.get(ACME);
    expect(acme.name).toBe("Acme Inc");
    const products = await polar.products.list({ organization_id: ACME });
    const shown = products.items.map((p) => {
      const price = p.prices[0];
      return {
        id: p.id,
        name: p.name,
        organization_id: p.organization_id,
        is_recurring: p.is_recurring,
        recurring_interval: p.recurring_interval,
        amount: price && "price_amount" in price ? price.price_amount : undefined,
        currency: price && "price_currency" in price ? price.price_currency : undefined,
      };
    });
    expect(shown.map((p) => [p.name, p.recurring_interval, p.amount, p.currency])).toEqual([
      ["Lifetime license", null, 19900, "usd"],
      ["Team", "year", 9600, "usd"],
      ["Pro", "month", 1000, "usd"],
    ]);
    expect(new Set(shown.map((p) => p.organization_id))).toEqual(new Set([ACME]));
    const orders = await polar.orders.list({ organization_id: ACME });
    expect(orders.items.map((o) => [o.product?.name, o.total_amount, o.customer.email])).toEqual([
      ["Lifetime license", 19900, "dana@acme.example.com"],
      ["Team", 9600, "eli@acme.example.com"],
      ["Pro", 1000, "dana@acme.example.com"],
    ]);
    const subscriptions = await polar.subscriptions.list({ organization_id: [ACME] });
    expect(subscriptions.items.map((s) => [s.product.name, s.status, s.customer.name])).toEqual([
      ["Team", "canceled", "Eli Evans"],
      ["Pro", "active", "Dana Doe"],
    ]);
    const all: string[] = [];
    for await (const product of polar.products.iterList({ limit: 2 })) all.push(product.id);
    expect(all).toHaveLength(6);
    expect(new Set(all).size).toBe(6);
  });

  it("answers are deterministic: two emulators give the same ids and fields", async () => {
    const [a, b] = [await emulator(), await emulator()];
    for (const route of ROUTES) {
      const one = await get(a, await tokenOf(a), route.path);
      const two = await get(b, await tokenOf(b), route.path);
      expect(one.body, route.path).toEqual(two.body);
    }
  });
});

describe("paging, filters and sorting like Polar's (kit/pagination.py, kit/sorting.py)", () => {
  it("pages with page/limit, caps limit at 100, filters by organization_id (repeatable) and sorts", async () => {
    const emu = await emulator();
    const token = await tokenOf(emu);
    const page2 = await get(emu, token, "/v1/products/?limit=4&page=2");
    expect(page2.body.pagination).toEqual({ total_count: 6, max_page: 2 });
    expect(page2.body.items).toHaveLength(2);
    const capped = await get(emu, token, "/v1/orders/?limit=500");
    expect(capped.status).toBe(200);
    expect(capped.body.pagination).toEqual({ total_count: 6, max_page: 1 });
    const labs = await get(emu, token, `/v1/subscriptions/?organization_id=${ALICE_LABS}`);
    expect(
      labs.body.items.map(
        (s) => s.product && (s.product as { organization_id: string }).organization_id,
      ),
    ).toEqual([ALICE_LABS, ALICE_LABS]);
    const both = await get(
      emu,
      token,
      `/v1/products/?organization_id=${ACME}&organization_id=${ALICE_LABS}`,
    );
    expect(both.body.pagination.total_count).toBe(6);
    const foreign = await get(emu, token, `/v1/products/?organization_id=${BOBS_BUILDS}`);
    expect(foreign.body).toEqual({ items: [], pagination: { total_count: 0, max_page: 0 } });
    const oldestFirst = await get(
      emu,
      token,
      `/v1/products/?organization_id=${ACME}&sorting=created_at`,
    );
    expect(oldestFirst.body.items.map((p) => p.name)).toEqual(["Pro", "Team", "Lifetime license"]);
    const byName = await get(emu, token, `/v1/products/?organization_id=${ACME}&sorting=name`);
    expect(byName.body.items.map((p) => p.name)).toEqual(["Lifetime license", "Pro", "Team"]);
  });

  it("refuses like Polar: 422 for page 0, limit 0, a non-UUID organization_id or an unknown sort key; 404 for a foreign organization", async () => {
    const emu = await emulator();
    const token = await tokenOf(emu);
    for (const query of ["page=0", "limit=0", "organization_id=acme", "sorting=price"]) {
      const refused = await get(emu, token, `/v1/products/?${query}`);
      expect(refused.status, query).toBe(422);
      expect(refused.body.error, query).toBe("RequestValidationError");
    }
    const foreign = await get(emu, token, `/v1/organizations/${BOBS_BUILDS}`);
    expect(foreign).toMatchObject({ status: 404, body: { error: "ResourceNotFound" } });
    expect((await get(emu, token, "/v1/organizations/acme")).status).toBe(422);
  });
});

describe("scopes and the organization down-scope", () => {
  it.each(ROUTES)(
    "$path: 403 insufficient_scope without $scope, naming the scopes that would do",
    async (route) => {
      const emu = await emulator();
      const others = ALL_READS.split(" ")
        .filter((s) => s !== route.scope)
        .join(" ");
      const token = await tokenOf(emu, { scope: others });
      const refused = await get(emu, token, route.path);
      expect(refused.status).toBe(403);
      expect(refused.body.error).toBe("insufficient_scope");
      expect(refused.wwwAuthenticate).toContain(route.scope);
    },
  );

  it(":write reads products and subscriptions, but not orders (order/auth.py wants orders:read)", async () => {
    const emu = await emulator();
    const token = await tokenOf(emu, {
      scope: "openid organizations:write products:write orders:write subscriptions:write",
    });
    expect((await get(emu, token, "/v1/organizations/")).status).toBe(200);
    expect((await get(emu, token, "/v1/products/")).status).toBe(200);
    expect((await get(emu, token, "/v1/subscriptions/")).status).toBe(200);
    expect((await get(emu, token, "/v1/orders/")).status).toBe(403);
  });

  it("401 without a token and with an unknown one", async () => {
    const emu = await emulator();
    for (const route of ROUTES) {
      expect((await fetch(`${emu.url}${route.path}`)).status).toBe(401);
      expect((await get(emu, "polar_at_u_unknown", route.path)).status).toBe(401);
    }
  });

  it("an organization sign-in reaches only the chosen organization, whatever the filter says", async () => {
    const emu = await emulator();
    const token = await tokenOf(emu, { organizationId: ALICE_LABS });
    for (const route of ROUTES) {
      const { body } = await get(emu, token, route.path);
      const orgIds = body.items.map((item) =>
        route.path === "/v1/organizations/"
          ? item.id
          : route.path === "/v1/products/"
            ? item.organization_id
            : (item.product as { organization_id: string }).organization_id,
      );
      expect(new Set(orgIds), route.path).toEqual(new Set([ALICE_LABS]));
    }
    const filtered = await get(emu, token, `/v1/products/?organization_id=${ACME}`);
    expect(filtered.body.pagination.total_count).toBe(0);
    expect((await get(emu, token, `/v1/organizations/${ACME}`)).status).toBe(404);
    expect((await get(emu, token, `/v1/organizations/${ALICE_LABS}`)).status).toBe(200);
  });
});
