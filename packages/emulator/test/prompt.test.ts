import { describe, expect, it } from "vitest";
import { BrowserSession, completeAuthorization } from "../src/index.js";
import { authorizeUrl, emulator, redeemCode, registerOk, userinfo } from "./helpers.js";

const BOB = "b0b00000-0000-4000-8000-000000000002";

describe("prompt and the Polar session", () => {
  it("prompt=none without a session redirects with login_required", async () => {
    const emu = await emulator();
    const client = await registerOk(emu);
    const { redirectTo } = await completeAuthorization(
      authorizeUrl(emu, client, { prompt: "none" }),
    );
    expect(redirectTo.searchParams.get("error")).toBe("login_required");
  });

  it("with a kept session and remembered consent, a second authorization without prompt skips the pages", async () => {
    const emu = await emulator();
    const client = await registerOk(emu);
    const session = new BrowserSession();
    await completeAuthorization(authorizeUrl(emu, client), { user: "bob@example.com", session });

    const direct = await fetch(authorizeUrl(emu, client), {
      redirect: "manual",
      headers: { cookie: session.header(authorizeUrl(emu, client)) ?? "" },
    });
    expect(direct.status).toBe(303);
    const location = new URL(direct.headers.get("location")!);
    expect(location.searchParams.get("code")).toMatch(/^polar_ac_/);

    const again = await completeAuthorization(authorizeUrl(emu, client), {
      session,
      decision: "deny",
    });
    // Consent was remembered, so "deny" was never asked: a code comes back.
    expect(again.redirectTo.searchParams.get("code")).toMatch(/^polar_ac_/);
  });

  // Authlib 1.7.2 leaves grant.prompt unset for prompt=none (oidc/core/grants/util.py), and
  // Polar's _validate_scope_consent sets "none" only without a prompt: the consent page shows.
  it("prompt=none for a user who already consented shows the consent page: no silent sign-in", async () => {
    const emu = await emulator();
    const client = await registerOk(emu);
    const session = new BrowserSession();
    await completeAuthorization(authorizeUrl(emu, client), { user: "bob@example.com", session });

    const direct = await fetch(authorizeUrl(emu, client, { prompt: "none" }), {
      redirect: "manual",
      headers: { cookie: session.header(authorizeUrl(emu, client)) ?? "" },
    });
    expect(direct.status).toBe(303);
    const location = new URL(direct.headers.get("location")!, emu.url);
    expect(location.pathname).toMatch(/^\/oauth2\/interaction\//);
    expect(location.searchParams.get("code")).toBeNull();

    const asked = await completeAuthorization(authorizeUrl(emu, client, { prompt: "none" }), {
      session,
      decision: "deny",
    });
    expect(asked.redirectTo.searchParams.get("error")).toBe("access_denied");
  });

  it("max_age is ignored, as Polar ignores it: a remembered session of any age gets a code", async () => {
    const emu = await emulator();
    const client = await registerOk(emu);
    const session = new BrowserSession();
    await completeAuthorization(authorizeUrl(emu, client), { user: "bob@example.com", session });
    const direct = await fetch(authorizeUrl(emu, client, { max_age: "0" }), {
      redirect: "manual",
      headers: { cookie: session.header(authorizeUrl(emu, client)) ?? "" },
    });
    expect(direct.status).toBe(303);
    expect(new URL(direct.headers.get("location")!).searchParams.get("code")).toMatch(/^polar_ac_/);
  });

  it("prompt=consent shows the consent page again", async () => {
    const emu = await emulator();
    const client = await registerOk(emu);
    const session = new BrowserSession();
    await completeAuthorization(authorizeUrl(emu, client), { session });
    const asked = await completeAuthorization(authorizeUrl(emu, client, { prompt: "consent" }), {
      session,
      decision: "deny",
    });
    expect(asked.redirectTo.searchParams.get("error")).toBe("access_denied");
  });

  it("a wider scope than the remembered consent asks again", async () => {
    const emu = await emulator();
    const client = await registerOk(emu);
    const session = new BrowserSession();
    await completeAuthorization(authorizeUrl(emu, client, { scope: "openid" }), { session });
    const wider = await completeAuthorization(
      authorizeUrl(emu, client, { scope: "openid orders:read" }),
      {
        session,
        decision: "deny",
      },
    );
    expect(wider.redirectTo.searchParams.get("error")).toBe("access_denied");
  });

  it("prompt=login shows the login page again and can switch user", async () => {
    const emu = await emulator();
    const client = await registerOk(emu);
    const session = new BrowserSession();
    await completeAuthorization(authorizeUrl(emu, client), { user: "alice@example.com", session });
    const { redirectTo } = await completeAuthorization(
      authorizeUrl(emu, client, { prompt: "login" }),
      {
        user: "bob@example.com",
        session,
      },
    );
    const tokens = (await redeemCode(emu, client, redirectTo.searchParams.get("code")!)).body;
    expect((await userinfo(emu, String(tokens.access_token))).body.sub).toBe(BOB);
  });

  it("prompt=none for an organization: consent_required before any consent, the consent page with the picker after", async () => {
    const emu = await emulator();
    const client = await registerOk(emu);
    const session = new BrowserSession();
    await completeAuthorization(authorizeUrl(emu, client, { scope: "openid" }), { session });
    const { redirectTo } = await completeAuthorization(
      authorizeUrl(emu, client, { sub_type: "organization", prompt: "none" }),
      { session },
    );
    expect(redirectTo.searchParams.get("error")).toBe("consent_required");
    const asked = await completeAuthorization(
      authorizeUrl(emu, client, { sub_type: "organization", prompt: "none", scope: "openid" }),
      { session, organizationId: "ac3e0000-0000-4000-8000-00000000a001" },
    );
    expect(asked.redirectTo.searchParams.get("code")).toMatch(/^polar_ac_/);
  });
});
