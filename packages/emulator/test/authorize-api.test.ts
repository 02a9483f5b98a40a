import { describe, expect, it } from "vitest";
import { authorizeUrl, emulator, REDIRECT_URI, registerOk } from "./helpers.js";

/** The same parameters as the browser page gets, sent to the JSON API instead. */
function apiUrl(page: URL): URL {
  const url = new URL(page);
  url.pathname = "/v1/oauth2/authorize";
  return url;
}

async function ask(url: URL) {
  const response = await fetch(url, {
    redirect: "manual",
    headers: { accept: "application/json" },
  });
  const text = await response.text();
  return {
    status: response.status,
    location: response.headers.get("location"),
    body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined,
  };
}

describe("GET /v1/oauth2/authorize (the JSON API behind Polar's page)", () => {
  it("an unknown or missing client is 400 invalid_client, never a redirect", async () => {
    const emu = await emulator();
    const unknown = await ask(apiUrl(authorizeUrl(emu, { client_id: "polar_ci_unknown" })));
    expect(unknown).toEqual({
      status: 400,
      location: null,
      body: {
        error: "invalid_client",
        error_description: "The client does not exist on this server.",
      },
    });
    const missing = await ask(new URL(`${emu.url}/v1/oauth2/authorize?response_type=code`));
    expect(missing.body).toMatchObject({
      error: "invalid_client",
      error_description: "Missing 'client_id' parameter.",
    });
  });

  it("an unregistered redirect URI is 400 invalid_request naming it, never a redirect", async () => {
    const emu = await emulator();
    const app = await registerOk(emu);
    const wrong = `${REDIRECT_URI}/`;
    const result = await ask(apiUrl(authorizeUrl(emu, app, { redirect_uri: wrong })));
    expect(result).toEqual({
      status: 400,
      location: null,
      body: {
        error: "invalid_request",
        error_description: `Redirect URI ${wrong} is not supported by client.`,
      },
    });
  });

  it("past the client and redirect URI, an anonymous caller gets 401 (login required)", async () => {
    const emu = await emulator();
    const app = await registerOk(emu);
    const result = await ask(apiUrl(authorizeUrl(emu, app, { sub_type: "organization" })));
    expect(result).toEqual({ status: 401, location: null, body: { detail: "Unauthorized" } });
    expect(emu.stats().requests).toMatchObject({ authorize_api: 1, authorize: 0 });
  });

  it("without openid there is no login prompt: Polar's consent data with sub null", async () => {
    const emu = await emulator();
    const app = await registerOk(emu, { client_name: "Probe me" });
    const result = await ask(
      apiUrl(authorizeUrl(emu, app, { scope: "orders:read", sub_type: "organization" })),
    );
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({
      client: { client_id: app.client_id, client_name: "Probe me" },
      sub_type: "user",
      sub: null,
      scopes: ["orders:read"],
      organizations: [],
      requires_single_organization: true,
    });
  });

  it("an unknown scope redirects to the redirect URI with invalid_scope and the state", async () => {
    const emu = await emulator();
    const app = await registerOk(emu);
    const result = await ask(apiUrl(authorizeUrl(emu, app, { scope: "openid nope:read" })));
    expect(result.status).toBe(302);
    const location = new URL(result.location!);
    expect(location.origin + location.pathname).toBe(REDIRECT_URI);
    expect(location.searchParams.get("error")).toBe("invalid_scope");
    expect(location.searchParams.get("state")).toBe("state-123");
  });

  it("prompt=none redirects with login_required; an invalid sub_type is 400 without redirect", async () => {
    const emu = await emulator();
    const app = await registerOk(emu);
    const none = await ask(apiUrl(authorizeUrl(emu, app, { prompt: "none" })));
    expect(new URL(none.location!).searchParams.get("error")).toBe("login_required");
    const team = await ask(apiUrl(authorizeUrl(emu, app, { sub_type: "team" })));
    expect(team).toEqual({
      status: 400,
      location: null,
      body: { error: "invalid_request", error_description: "Invalid sub_type" },
    });
  });

  it("a response_type other than code is 400 unless the redirect URI is registered", async () => {
    const emu = await emulator();
    const app = await registerOk(emu);
    const foreign = await ask(
      apiUrl(
        authorizeUrl(emu, app, { response_type: "token", redirect_uri: "https://evil.example/" }),
      ),
    );
    expect(foreign).toMatchObject({
      status: 400,
      location: null,
      body: { error: "unsupported_response_type" },
    });
    const registered = await ask(apiUrl(authorizeUrl(emu, app, { response_type: "token" })));
    expect(new URL(registered.location!).searchParams.get("error")).toBe(
      "unsupported_response_type",
    );
  });

  it("the browser page answers the same mistakes with a 200 error page (so probing the page proves nothing)", async () => {
    const emu = await emulator();
    const app = await registerOk(emu);
    for (const url of [
      authorizeUrl(emu, { client_id: "polar_ci_unknown" }),
      authorizeUrl(emu, app, { redirect_uri: `${REDIRECT_URI}/` }),
    ]) {
      const page = await fetch(url, { redirect: "manual" });
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toContain("text/html");
      expect(await page.text()).toContain('<code id="error-code">');
      expect((await ask(apiUrl(url))).status).toBe(400);
    }
  });
});
