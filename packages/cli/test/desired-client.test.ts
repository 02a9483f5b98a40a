import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type Emulator, startEmulator } from "@polar-oauth/emulator";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { loadDesiredClient } from "../src/index.js";
import { assertNoSecretPrinted, readEnvFile, runBin, tempDir } from "./support.js";

const FILE = {
  development: {
    client_name: "Shop (dev)",
    redirect_uris: ["http://localhost:3000/auth/callback"],
  },
  production: {
    client_name: "Shop",
    redirect_uris: ["https://shop.example.com/auth/callback"],
    client_uri: "https://shop.example.com",
    scope: "openid profile email orders:read",
    default_sub_type: "organization",
  },
};

describe("loadDesiredClient", () => {
  test("reconciling: what neither flags nor the file name keeps the registered client's value", async () => {
    const dir = await tempDir();
    let reads = 0;
    const registered = async () => {
      reads++;
      return {
        client_id: "polar_ci_registered",
        client_name: "Registered name",
        redirect_uris: ["http://localhost:3000/auth/callback"],
        token_endpoint_auth_method: "none",
        grant_types: ["authorization_code"],
        client_uri: "https://kept-out.example.com",
        scope: "openid",
      };
    };
    const desired = await loadDesiredClient({
      environment: "development",
      cwd: dir,
      flags: { redirectUri: ["http://localhost:3001/auth/callback"] },
      registered,
    });
    expect(desired?.metadata).toEqual({
      client_name: "Registered name",
      redirect_uris: ["http://localhost:3001/auth/callback"],
      token_endpoint_auth_method: "none",
      grant_types: ["authorization_code"],
      response_types: ["code"],
    });
    expect(desired?.source).toBe("flags + the registered client");
    // What is named wins over the registered value; nothing named: Polar is not even asked.
    const named = await loadDesiredClient({
      environment: "development",
      cwd: dir,
      flags: {
        name: "Mine",
        redirectUri: ["http://localhost:3001/auth/callback"],
        authMethod: "client_secret_post",
      },
      registered,
    });
    expect(named?.metadata).toMatchObject({
      client_name: "Mine",
      token_endpoint_auth_method: "client_secret_post",
      grant_types: ["authorization_code"],
    });
    expect(reads).toBe(2);
    expect(
      await loadDesiredClient({ environment: "development", cwd: dir, flags: {}, registered }),
    ).toBeUndefined();
    expect(reads).toBe(2);
  });

  test("reads the environment's entry, applies the seed's defaults, flags override", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "polar-oauth.json"), JSON.stringify(FILE));
    const desired = await loadDesiredClient({
      environment: "production",
      cwd: dir,
      flags: { name: "Shop 2" },
    });
    expect(desired?.metadata).toMatchObject({
      client_name: "Shop 2",
      redirect_uris: ["https://shop.example.com/auth/callback"],
      token_endpoint_auth_method: "client_secret_post",
      grant_types: ["authorization_code", "refresh_token"],
      scope: "openid profile email orders:read",
    });
    expect(desired?.source).toBe("polar-oauth.json (production) + flags");
  });

  test("names the file field for each problem, all at once", async () => {
    const dir = await tempDir();
    await writeFile(
      join(dir, "polar-oauth.json"),
      JSON.stringify({
        production: {
          client_name: "",
          redirect_uris: ["http://localhost:3000/cb"],
          scope: "openid emial",
        },
      }),
    );
    await expect(
      loadDesiredClient({ environment: "production", cwd: dir, flags: {} }),
    ).rejects.toThrow(
      /polar-oauth\.json production\.client_name: is required\.\npolar-oauth\.json production\.scope: "emial" is not a Polar scope; did you mean "email"\?\npolar-oauth\.json production\.redirect_uris\[0\]: .*http in production/,
    );
  });

  test("rejects unknown fields and environments", async () => {
    const dir = await tempDir();
    await writeFile(
      join(dir, "polar-oauth.json"),
      JSON.stringify({ production: { client_name: "x", redirect_uri: "y" } }),
    );
    await expect(
      loadDesiredClient({ environment: "production", cwd: dir, flags: {} }),
    ).rejects.toThrow(/production\.redirect_uri is not a client field/);
    await writeFile(join(dir, "polar-oauth.json"), JSON.stringify({ prod: {} }));
    await expect(
      loadDesiredClient({ environment: "production", cwd: dir, flags: {} }),
    ).rejects.toThrow(/unknown key "prod"/);
  });

  test.each([
    [[], /must be an object with one entry per environment/],
    ["production", /must be an object with one entry per environment/],
    [{ production: [] }, /"production" must be an object of client fields/],
    [{ production: null }, /"production" must be an object of client fields/],
    [{ $schema: 1 }, /"\$schema" must be a string/],
    // Every entry is checked, not only the one in use: a typo in staging shows up in production.
    [{ staging: { client_nmae: "x" } }, /staging\.client_nmae is not a client field/],
  ])("refuses the file shape %j", async (json, message) => {
    const dir = await tempDir();
    await writeFile(join(dir, "polar-oauth.json"), JSON.stringify(json));
    await expect(
      loadDesiredClient({ environment: "production", cwd: dir, flags: {} }),
    ).rejects.toThrow(message);
  });

  test("accepts $schema and entries for other environments", async () => {
    const dir = await tempDir();
    await writeFile(
      join(dir, "polar-oauth.json"),
      JSON.stringify({
        $schema: "./polar-oauth.schema.json",
        staging: { client_name: "Shop (staging)" },
        production: { client_name: "Shop", redirect_uris: ["https://shop.example.com/cb"] },
      }),
    );
    const desired = await loadDesiredClient({ environment: "production", cwd: dir, flags: {} });
    expect(desired?.metadata.client_name).toBe("Shop");
  });
});

describe("bootstrap from polar-oauth.json (binary)", () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, rateLimits: false });
  });
  afterAll(async () => {
    assertNoSecretPrinted();
    await emulator.close();
  });

  test("registers the production entry; notes that Polar drops default_sub_type; re-run is up to date", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "polar-oauth.json"), JSON.stringify(FILE));
    const env = { POLAR_SERVER: emulator.url, ENVIRONMENT: "production" };
    const first = await runBin(["bootstrap", "--out", ".env.production"], { cwd: dir, env });
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('client "Shop" (https://shop.example.com/auth/callback)');
    expect(first.stdout).toMatch(
      /note: default_sub_type=organization is sent, but Polar does not store it; set POLAR_SUB_TYPE=organization/,
    );
    const vars = await readEnvFile(join(dir, ".env.production"));
    expect(vars.POLAR_CLIENT_ID_PROD).toMatch(/^polar_ci_/);

    const second = await runBin(["bootstrap", "--out", ".env.production"], { cwd: dir, env });
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/is up to date with polar-oauth\.json \(production\)/);
    expect(emulator.stats().requests.register).toBe(1);
  });
});
