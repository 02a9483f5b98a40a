import { describe, expect, it } from "vitest";
import { completeAuthorization, POLAR_SERVER_RATE_LIMITS, SEED_RATE_LIMITS } from "../src/index.js";
import {
  authorizeUrl,
  emulator,
  postForm,
  REDIRECT_URI,
  register,
  registerOk,
  webSession,
} from "./helpers.js";

const app = { client_name: "App", redirect_uris: [REDIRECT_URI] };

describe("rate limits by default: Polar sandbox's (server/polar/rate_limit.py)", () => {
  it("20 registrations a minute from one address succeed; the 101st /v1 request of the minute is an empty 429", async () => {
    const emu = await emulator();
    for (let i = 0; i < 20; i++) expect((await register(emu, app)).status).toBe(201);
    const anonymous = () => fetch(`${emu.url}/v1/oauth2/userinfo`);
    for (let i = 0; i < 80; i++) expect((await anonymous()).status).toBe(401);
    const limited = await anonymous();
    expect(limited.status).toBe(429);
    expect(await limited.text()).toBe("");
    expect(Number(limited.headers.get("retry-after"))).toBeLessThanOrEqual(60);
    expect(emu.stats().rateLimited).toBe(1);
  });
});

describe("rate limits: the seed's hourly ones, when rateLimits is an object", () => {
  it("are 10 registrations, 60 authorizations, 100 token requests per hour", () => {
    expect(SEED_RATE_LIMITS).toEqual({
      registrationPerHour: 10,
      authorizationPerHour: 60,
      tokenPerHour: 100,
    });
  });

  it("the 11th registration in an hour is 429 with Retry-After and an empty body, like Polar", async () => {
    const emu = await emulator({ rateLimits: {} });
    for (let i = 0; i < 10; i++) expect((await register(emu, app)).status).toBe(201);
    const limited = await register(emu, app);
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(3500);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    expect(limited.body).toEqual({});
    expect(emu.stats().rateLimited).toBe(1);
  });

  it("registration is counted per signed-in user, separately from anonymous callers", async () => {
    const emu = await emulator({ rateLimits: { registrationPerHour: 2 } });
    const alice = { cookie: await webSession(emu, "alice@example.com") };
    const bob = { cookie: await webSession(emu, "bob@example.com") };
    expect((await register(emu, app, alice)).status).toBe(201);
    expect((await register(emu, app, alice)).status).toBe(201);
    expect((await register(emu, app, alice)).status).toBe(429);
    expect((await register(emu, app, bob)).status).toBe(201);
    expect((await register(emu, app)).status).toBe(201);
    expect((await register(emu, app)).status).toBe(201);
    expect((await register(emu, app)).status).toBe(429);
  });

  it("the window slides: an hour later the caller may register again (injected clock)", async () => {
    let offset = 0;
    const emu = await emulator({
      rateLimits: { registrationPerHour: 1 },
      now: () => Date.now() + offset,
    });
    expect((await register(emu, app)).status).toBe(201);
    offset = 1_800_000;
    const limited = await register(emu, app);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeLessThanOrEqual(1800);
    offset = 3_600_001;
    expect((await register(emu, app)).status).toBe(201);
  });

  it("token requests are limited per client with an empty 429", async () => {
    const emu = await emulator({ rateLimits: { tokenPerHour: 3 } });
    const client = await registerOk(emu);
    const other = await registerOk(emu, { client_name: "Other" });
    const attempt = (c: typeof client) =>
      postForm(emu, "/v1/oauth2/token", {
        grant_type: "refresh_token",
        refresh_token: "polar_rt_u_unknown",
        client_id: c.client_id,
        client_secret: c.client_secret!,
      });
    for (let i = 0; i < 3; i++) expect((await attempt(client)).status).toBe(400);
    const limited = await attempt(client);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(limited.body).toEqual({});
    expect((await attempt(other)).status).toBe(400);
  });

  it("authorization requests are limited per client with a 429 page", async () => {
    const emu = await emulator({ rateLimits: { authorizationPerHour: 2 } });
    const client = await registerOk(emu);
    await completeAuthorization(authorizeUrl(emu, client));
    await completeAuthorization(authorizeUrl(emu, client));
    const limited = await fetch(authorizeUrl(emu, client), { redirect: "manual" });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(limited.headers.get("location")).toBeNull();
    await expect(completeAuthorization(authorizeUrl(emu, client))).rejects.toMatchObject({
      status: 429,
      error: "rate_limit_exceeded",
    });
  });

  it("rateLimits: false turns every limit off", async () => {
    const emu = await emulator({ rateLimits: false });
    for (let i = 0; i < 15; i++) expect((await register(emu, app)).status).toBe(201);
    expect(emu.stats().rateLimited).toBe(0);
  });
});

describe("rate limits: Polar's own per-minute rules (server/polar/rate_limit.py)", () => {
  it("match the server's sandbox and production numbers", () => {
    expect(POLAR_SERVER_RATE_LIMITS).toEqual({
      "polar-sandbox": { anonymousPerMinute: 100, credentialPerMinute: 60 },
      "polar-production": { anonymousPerMinute: 500, credentialPerMinute: 60 },
    });
  });

  it("polar-sandbox: 60 requests a minute per bearer token and 100 per IP on /v1, empty 429 with Retry-After, a minute later open again", async () => {
    let offset = 0;
    const emu = await emulator({ rateLimits: "polar-sandbox", now: () => Date.now() + offset });
    const call = (headers: Record<string, string> = {}) =>
      fetch(`${emu.url}/v1/oauth2/userinfo`, { headers });
    // The seed's hourly registration limit (10) is not applied under a server profile.
    const crt = { authorization: "Bearer polar_crt_counts_as_anonymous" };
    for (let i = 0; i < 11; i++) expect((await register(emu, app, crt)).status).toBe(201);
    const token = { authorization: "Bearer polar_at_u_not_a_real_token" };
    for (let i = 0; i < 60; i++) expect((await call(token)).status).toBe(401);
    const limited = await call(token);
    expect(limited.status).toBe(429);
    expect(await limited.text()).toBe("");
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect((await call({ authorization: "Bearer polar_at_u_another" })).status).toBe(401);
    for (let i = 0; i < 100; i++) expect((await call()).status).toBe(401);
    expect((await call()).status).toBe(429);
    // Discovery is not under /v1: never limited.
    expect((await fetch(`${emu.url}/.well-known/openid-configuration`)).status).toBe(200);
    offset = 61_000;
    expect((await call(token)).status).toBe(401);
  });

  it("rejects an unknown profile name", async () => {
    await expect(emulator({ rateLimits: "polar-staging" as never })).rejects.toThrow(
      /polar-sandbox/,
    );
  });
});
