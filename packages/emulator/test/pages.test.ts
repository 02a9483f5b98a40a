import { describe, expect, it } from "vitest";
import { BrowserSession } from "../src/index.js";
import type { Emulator } from "../src/types.js";
import { authorizeUrl, emulator, registerOk } from "./helpers.js";

/** Fetches pages like a browser would (keeping cookies) until the page of the wanted kind. */
async function pageOf(_emu: Emulator, start: URL, kind: "login" | "consent") {
  const cookies = new BrowserSession();
  let url = start;
  let method = "GET";
  let body: string | undefined;
  for (let i = 0; i < 10; i++) {
    const response = await fetch(url, {
      method,
      body,
      redirect: "manual",
      headers: {
        cookie: cookies.header(url) ?? "",
        ...(body ? { "content-type": "application/x-www-form-urlencoded" } : {}),
      },
    });
    cookies.store(response.headers.getSetCookie(), url);
    if (response.status >= 300 && response.status < 400) {
      url = new URL(response.headers.get("location")!, url);
      method = "GET";
      body = undefined;
      continue;
    }
    const html = await response.text();
    if (html.includes(`content="${kind}"`)) return { html, headers: response.headers };
    if (html.includes('content="login"')) {
      const action = /<form method="post" action="([^"]*)"/.exec(html)![1]!;
      url = new URL(action, url);
      method = "POST";
      body = "user=a11ce000-0000-4000-8000-000000000001";
      continue;
    }
    throw new Error(`unexpected page ${response.status}`);
  }
  throw new Error("no page");
}

describe("login and consent pages", () => {
  it("the login page lists every fixture user by name and email", async () => {
    const emu = await emulator();
    const client = await registerOk(emu);
    const { html, headers } = await pageOf(emu, authorizeUrl(emu, client), "login");
    for (const user of emu.fixtures.users) {
      expect(html).toContain(user.name);
      expect(html).toContain(user.email);
    }
    expect(html).toContain("email not verified");
    expect(headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3)[^"]*\.(css|js)/);
  });

  it("the consent page shows the app, its links, plain-word scopes and Allow / Deny", async () => {
    const emu = await emulator();
    const client = await registerOk(emu, {
      client_name: "Acme Dashboard",
      logo_uri: "https://acme.example/logo.png",
      client_uri: "https://acme.example",
      tos_uri: "https://acme.example/terms",
      policy_uri: "https://acme.example/privacy",
    });
    const { html } = await pageOf(
      emu,
      authorizeUrl(emu, client, { scope: "openid email products:write" }),
      "consent",
    );
    expect(html).toContain("Acme Dashboard");
    expect(html).toContain('<img src="https://acme.example/logo.png"');
    expect(html).toContain('href="https://acme.example/"');
    expect(html).toContain('href="https://acme.example/terms"');
    expect(html).toContain('href="https://acme.example/privacy"');
    expect(html).toContain("See your email address");
    expect(html).toContain("Create and change products");
    expect(html).toContain('value="allow"');
    expect(html).toContain('value="deny"');
    expect(html).toContain("alice@example.com");
  });

  it("the organization choice lists the user's organizations", async () => {
    const emu = await emulator();
    const client = await registerOk(emu);
    const { html } = await pageOf(
      emu,
      authorizeUrl(emu, client, { sub_type: "organization" }),
      "consent",
    );
    expect(html).toContain("Choose one organization");
    expect(html).toContain("Acme Inc");
    expect(html).toContain("Alice Labs");
    expect(html.match(/type="radio" name="organizations"/g)).toHaveLength(2);
    expect(html).not.toContain(" checked");
  });

  it("escapes every value it renders", async () => {
    const emu = await emulator();
    const client = await registerOk(emu, {
      client_name: `<script>alert("name")</script>`,
      // Authlib wants a host (is_valid_url); Polar stores this client_uri as it is.
      client_uri: "javascript://x/%0aalert(1)",
      logo_uri: 'https://evil.example/x.png?"><script>alert(2)</script>',
    });
    const { html } = await pageOf(emu, authorizeUrl(emu, client), "consent");
    expect(html).not.toContain("<script>");
    expect(html).not.toContain('href="javascript:');
    expect(html).toContain("&lt;script&gt;alert(&quot;name&quot;)&lt;/script&gt;");
    expect(html).toContain("javascript://x/%0aalert(1)"); // shown as text, not as a link
  });

  it("the home page describes the emulator", async () => {
    const emu = await emulator();
    const html = await (await fetch(`${emu.url}/`)).text();
    expect(html).toContain("/.well-known/openid-configuration");
    expect(html).toContain("polar_pat_emulator_alice");
  });
});
