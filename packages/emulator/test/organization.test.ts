import { describe, expect, it } from "vitest";
import { AuthorizationFlowError, completeAuthorization } from "../src/index.js";
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

const ACME = "ac3e0000-0000-4000-8000-00000000a001";
const ALICE_LABS = "a11ce1ab-0000-4000-8000-00000000a002";

describe("sub_type=organization", () => {
  it("the consent page offers the user's organizations and the token's subject is the chosen one", async () => {
    const emu = await emulator();
    const client = await registerOk(emu);
    const url = authorizeUrl(emu, client, {
      sub_type: "organization",
      scope: "openid email products:read",
      nonce: "n",
    });
    const { redirectTo } = await completeAuthorization(url, {
      user: "alice@example.com",
      organizationId: ALICE_LABS,
    });
    const tokens = (await redeemCode(emu, client, redirectTo.searchParams.get("code")!)).body;

    expect(tokens.access_token).toMatch(/^polar_at_o_/);
    expect(tokens.refresh_token).toMatch(/^polar_rt_o_/);
    const idToken = jwtPayload(String(tokens.id_token));
    expect(idToken.sub).toBe(ALICE_LABS);
    expect(idToken.name).toBe("alice-labs");
    expect(idToken).not.toHaveProperty("email");

    expect((await userinfo(emu, String(tokens.access_token))).body).toEqual({
      sub: ALICE_LABS,
      name: "alice-labs",
    });
    expect(await introspect(emu, client, String(tokens.access_token))).toMatchObject({
      active: true,
      sub_type: "organization",
      sub: ALICE_LABS,
    });
    const refreshed = (await refresh(emu, client, String(tokens.refresh_token))).body;
    expect(refreshed.access_token).toMatch(/^polar_at_o_/);
    expect((await userinfo(emu, String(refreshed.access_token))).body.sub).toBe(ALICE_LABS);
  });

  it("defaults to the first organization and honours a pre-selected sub", async () => {
    const emu = await emulator();
    const client = await registerOk(emu);
    const first = await completeAuthorization(
      authorizeUrl(emu, client, { sub_type: "organization" }),
    );
    const firstTokens = (await redeemCode(emu, client, first.redirectTo.searchParams.get("code")!))
      .body;
    expect((await userinfo(emu, String(firstTokens.access_token))).body.sub).toBe(ACME);

    const preselected = await completeAuthorization(
      authorizeUrl(emu, client, { sub_type: "organization", sub: ALICE_LABS }),
    );
    const preTokens = (
      await redeemCode(emu, client, preselected.redirectTo.searchParams.get("code")!)
    ).body;
    expect((await userinfo(emu, String(preTokens.access_token))).body.sub).toBe(ALICE_LABS);
  });

  it("an organization the user does not administer is refused", async () => {
    const emu = await emulator();
    const client = await registerOk(emu);
    const failure = await completeAuthorization(
      authorizeUrl(emu, client, { sub_type: "organization" }),
      {
        user: "bob@example.com",
        organizationId: ACME,
      },
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

  it("sub_type=user tokens speak for the user, with email claims when email is in scope", async () => {
    const emu = await emulator();
    const client = await registerOk(emu);
    const { redirectTo } = await completeAuthorization(
      authorizeUrl(emu, client, { sub_type: "user" }),
      {
        user: "carol@example.com",
      },
    );
    const tokens = (await redeemCode(emu, client, redirectTo.searchParams.get("code")!)).body;
    expect(jwtPayload(String(tokens.id_token))).toMatchObject({
      sub: "ca201000-0000-4000-8000-000000000003",
      email: "carol@example.com",
      email_verified: false,
    });
    const noEmail = await completeAuthorization(authorizeUrl(emu, client, { scope: "openid" }), {
      user: "bob@example.com",
    });
    const bobTokens = (await redeemCode(emu, client, noEmail.redirectTo.searchParams.get("code")!))
      .body;
    expect(jwtPayload(String(bobTokens.id_token))).not.toHaveProperty("email");
    expect((await userinfo(emu, String(bobTokens.access_token))).body).toEqual({
      sub: "b0b00000-0000-4000-8000-000000000002",
    });
  });
});
