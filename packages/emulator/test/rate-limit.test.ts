import { describe, expect, it } from "vitest";
import { completeAuthorization, DEFAULT_RATE_LIMITS } from "../src/index.js";
import { authorizeUrl, emulator, postForm, REDIRECT_URI, register, registerOk } from "./helpers.js";

const app = { client_name: "App", redirect_uris: [REDIRECT_URI] };

describe("rate limits (on by default, the seed's numbers)", () => {
  it("defaults are 10 registrations, 60 authorizations, 100 token requests per hour", () => {
    expect(DEFAULT_RATE_LIMITS).toEqual({
      registrationPerHour: 10,
      authorizationPerHour: 60,
      tokenPerHour: 100,
    });
  });

  it("the 11th registration in an hour is 429 with Retry-After and an OAuth-shaped body", async () => {
    const emu = await emulator();
    for (let i = 0; i < 10; i++) expect((await register(emu, app)).status).toBe(201);
    const limited = await register(emu, app);
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(3500);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    expect(limited.body.error).toBe("rate_limit_exceeded");
    expect(String(limited.body.error_description)).toMatch(
      /10 client registrations per user per hour/,
    );
    expect(emu.stats().rateLimited).toBe(1);
  });

  it("registration is counted per PAT owner, separately from anonymous callers", async () => {
    const emu = await emulator({ rateLimits: { registrationPerHour: 2 } });
    const alice = { authorization: "Bearer polar_pat_emulator_alice" };
    const bob = { authorization: "Bearer polar_pat_emulator_bob" };
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

  it("token requests are limited per client with a JSON 429", async () => {
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
    expect(limited.body).toMatchObject({ error: "rate_limit_exceeded" });
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
