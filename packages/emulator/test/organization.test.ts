import { describe, expect, it } from "vitest";
import { AuthorizationFlowError, BrowserSession, completeAuthorization } from "../src/index.js";
import {
  authorizeUrl,
  emulator,
  introspect,
  jwtPayload,
  redeemCode,
  refresh,
  registerOk,
  userinfo,
} from "./helpers.js";

const ALICE = "a11ce000-0000-4000-8000-000000000001";
const ACME = "ac3e0000-0000-4000-8000-00000000a001";
const ALICE_LABS = "a11ce1ab-0000-4000-8000-00000000a002";
const BOBS_BUILDS = "b0bb0000-0000-4000-8000-00000000b001";

async function organizations(emuUrl: string, accessToken: string, query = "") {
  const response = await fetch(`${emuUrl}/v1/organizations/${query}`, {
    headers: { authorization: `Bearer ${accessToken}` },
  });
  return {
    status: response.status,
    wwwAuthenticate: response.headers.get("www-authenticate"),
    body: (await response.json()) as Record<string, unknown>,
  };
}

describe("sub_type=organization: a user token down-scoped to one organization", () => {
  it("the token is the user's (polar_at_u_, sub = user, user claims); introspection lists the chosen organization", async () => {
    const emu = await emulator();
    const client = await registerOk(emu);
    const url = authorizeUrl(emu, client, {
      sub_type: "organization",
      scope: "openid email organizations:read",
      nonce: "n",
    });
    const { redirectTo } = await completeAuthorization(url, {
      user: "alice@example.com",
      organizationId: ALICE_LABS,
    });
    const tokens = (await redeemCode(emu, client, redirectTo.searchParams.get("code")!)).body;

    expect(tokens.access_token).toMatch(/^polar_at_u_/);
    expect(tokens.refresh_token).toMatch(/^polar_rt_u_/);
    const idToken = jwtPayload(String(tokens.id_token));
    expect(idToken).toMatchObject({ sub: ALICE, email: "alice@example.com" });
    expect(idToken).not.toHaveProperty("name");
    expect((await userinfo(emu, String(tokens.access_token))).body).toEqual({
      sub: ALICE,
      email: "alice@example.com",
      email_verified: true,
    });
    expect(await introspect(emu, client, String(tokens.access_token))).toMatchObject({
      active: true,
      sub_type: "user",
      sub: ALICE,
      organizations: [ALICE_LABS],
    });
    const listed = await organizations(emu.url, String(tokens.access_token));
    expect(listed.status).toBe(200);
    expect(listed.body).toMatchObject({
      items: [{ id: ALICE_LABS, name: "Alice Labs", slug: "alice-labs", avatar_url: null }],
      pagination: { total_count: 1, max_page: 1 },
    });

    // The down-scope survives a refresh.
    const refreshed = (await refresh(emu, client, String(tokens.refresh_token))).body;
    expect(refreshed.access_token).toMatch(/^polar_at_u_/);
    expect(await introspect(emu, client, String(refreshed.access_token))).toMatchObject({
      sub: ALICE,
      organizations: [ALICE_LABS],
    });
  });

  it("a user sign-in is not down-scoped: introspection lists [] and the API lists every organization", async () => {
    const emu = await emulator();
    const client = await registerOk(emu);
    const { redirectTo } = await completeAuthorization(
      authorizeUrl(emu, client, { scope: "openid organizations:read" }),
      { user: "alice@example.com" },
    );
    const tokens = (await redeemCode(emu, client, redirectTo.searchParams.get("code")!)).body;
    expect(await introspect(emu, client, String(tokens.access_token))).toMatchObject({
      sub: ALICE,
      organizations: [],
    });
    const listed = await organizations(emu.url, String(tokens.access_token));
    expect((listed.body.items as Array<{ id: string }>).map((o) => o.id)).toEqual([
      ACME,
      ALICE_LABS,
    ]);
    const bySlug = await organizations(emu.url, String(tokens.access_token), "?slug=acme");
    expect((bySlug.body.items as Array<{ id: string }>).map((o) => o.id)).toEqual([ACME]);
    const paged = await organizations(emu.url, String(tokens.access_token), "?limit=1&page=2");
    expect(paged.body).toMatchObject({
      items: [{ id: ALICE_LABS }],
      pagination: { total_count: 2, max_page: 2 },
    });
  });

  it("GET /v1/organizations/ answers 401 without a token or with a bad one, 403 without organizations:read", async () => {
    const emu = await emulator();
    const client = await registerOk(emu);
    const anonymous = await fetch(`${emu.url}/v1/organizations/`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toEqual({ error: "Unauthorized", detail: "Unauthorized" });
    const bad = await organizations(emu.url, "polar_at_u_not-a-token");
    expect(bad).toMatchObject({ status: 401, body: { error: "invalid_token" } });

    const { redirectTo } = await completeAuthorization(
      authorizeUrl(emu, client, { sub_type: "organization", scope: "openid email" }),
      { user: "bob@example.com" },
    );
    const tokens = (await redeemCode(emu, client, redirectTo.searchParams.get("code")!)).body;
    const refused = await organizations(emu.url, String(tokens.access_token));
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({
      error: "insufficient_scope",
      error_description:
        "The request requires higher privileges than provided by the access token.",
    });
    expect(refused.wwwAuthenticate).toContain('scope="organizations:read organizations:write"');
    // Bob's only organization is pre-selected; introspection still names it.
    expect(await introspect(emu, client, String(tokens.access_token))).toMatchObject({
      organizations: [BOBS_BUILDS],
    });
  });

  it("an organization the user does not belong to is not offered", async () => {
    const emu = await emulator();
    const client = await registerOk(emu);
    const failure = await completeAuthorization(
      authorizeUrl(emu, client, { sub_type: "organization" }),
      { user: "bob@example.com", organizationId: ACME },
    ).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AuthorizationFlowError);
    expect(failure).toMatchObject({ error: "unknown_organization" });
  });

  it("a user without organizations cannot allow, but can deny", async () => {
    const emu = await emulator();
    const client = await registerOk(emu);
    const url = authorizeUrl(emu, client, { sub_type: "organization" });
    await expect(completeAuthorization(url, { user: "carol@example.com" })).rejects.toMatchObject({
      error: "cannot_allow",
    });
    const denied = await completeAuthorization(url, {
      user: "carol@example.com",
      decision: "deny",
    });
    expect(denied.redirectTo.searchParams.get("error")).toBe("access_denied");
  });
});

describe("repeat organization sign-in (remembered consent)", () => {
  it("without prompt, a signed-in user who already consented gets Polar's error page, never a redirect", async () => {
    const emu = await emulator();
    const client = await registerOk(emu);
    const session = new BrowserSession();
    const first = await completeAuthorization(
      authorizeUrl(emu, client, { sub_type: "organization" }),
      { user: "alice@example.com", organizationId: ACME, session },
    );
    expect(first.redirectTo.searchParams.get("code")).toMatch(/^polar_ac_/);

    const again = authorizeUrl(emu, client, { sub_type: "organization" });
    const response = await fetch(again, {
      redirect: "manual",
      headers: { cookie: session.header(again) ?? "" },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("location")).toBeNull();
    const html = await response.text();
    expect(html).toContain("invalid_request");
    expect(html).toContain("sub_type=organization requires selecting an organization");
    await expect(completeAuthorization(again, { session })).rejects.toMatchObject({
      error: "invalid_request",
      errorDescription: "sub_type=organization requires selecting an organization",
    });
  });

  it("the consent is per user and client, not per organization: a user sign-in's consent also trips it", async () => {
    const emu = await emulator();
    const client = await registerOk(emu);
    const session = new BrowserSession();
    await completeAuthorization(authorizeUrl(emu, client), { user: "alice@example.com", session });
    await expect(
      completeAuthorization(authorizeUrl(emu, client, { sub_type: "organization" }), { session }),
    ).rejects.toMatchObject({ error: "invalid_request" });
  });

  it("prompt=consent shows the picker again, and the second choice is what the token gets", async () => {
    const emu = await emulator();
    const client = await registerOk(emu);
    const session = new BrowserSession();
    await completeAuthorization(
      authorizeUrl(emu, client, { sub_type: "organization", prompt: "consent" }),
      { user: "alice@example.com", organizationId: ACME, session },
    );
    const { redirectTo } = await completeAuthorization(
      authorizeUrl(emu, client, { sub_type: "organization", prompt: "consent" }),
      { organizationId: ALICE_LABS, session },
    );
    const tokens = (await redeemCode(emu, client, redirectTo.searchParams.get("code")!)).body;
    expect(await introspect(emu, client, String(tokens.access_token))).toMatchObject({
      sub: ALICE,
      organizations: [ALICE_LABS],
    });
  });

  it("a user who signs in during the request sees consent again (Polar's page re-asks after login)", async () => {
    const emu = await emulator();
    const client = await registerOk(emu);
    await completeAuthorization(authorizeUrl(emu, client, { sub_type: "organization" }), {
      user: "alice@example.com",
      organizationId: ACME,
    });
    // A fresh browser: login page, then the picker (not the error).
    const { redirectTo } = await completeAuthorization(
      authorizeUrl(emu, client, { sub_type: "organization" }),
      { user: "alice@example.com", organizationId: ALICE_LABS },
    );
    const tokens = (await redeemCode(emu, client, redirectTo.searchParams.get("code")!)).body;
    expect(await introspect(emu, client, String(tokens.access_token))).toMatchObject({
      organizations: [ALICE_LABS],
    });
  });

  it("a remembered user sign-in is auto-approved without a down-scope, even after an organization consent", async () => {
    const emu = await emulator();
    const client = await registerOk(emu);
    const session = new BrowserSession();
    await completeAuthorization(
      authorizeUrl(emu, client, { sub_type: "organization", prompt: "consent" }),
      { user: "alice@example.com", organizationId: ACME, session },
    );
    const { redirectTo } = await completeAuthorization(authorizeUrl(emu, client), {
      session,
      decision: "deny", // never asked: consent is remembered
    });
    const tokens = (await redeemCode(emu, client, redirectTo.searchParams.get("code")!)).body;
    expect(await introspect(emu, client, String(tokens.access_token))).toMatchObject({
      organizations: [],
    });
  });
});
