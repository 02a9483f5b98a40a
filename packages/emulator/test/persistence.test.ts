import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { completeAuthorization, startEmulator } from "../src/index.js";
import {
  authorizeUrl,
  emulator,
  REDIRECT_URI,
  redeemCode,
  refresh,
  userinfo,
  webSession,
} from "./helpers.js";

describe("persistPath", () => {
  it("a restart keeps registered clients, the signing key, grants and tokens", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "polar-emulator-")), "state.json");
    const first = await startEmulator({ persistPath: file });
    const client = await first.registerClient(
      { client_name: "Test App", redirect_uris: [REDIRECT_URI] },
      { owner: "alice@example.com" },
    );
    const { redirectTo } = await completeAuthorization(authorizeUrl(first, client));
    const tokens = (await redeemCode(first, client, redirectTo.searchParams.get("code")!)).body;
    const jwksBefore = await (await fetch(`${first.url}/.well-known/jwks.json`)).json();
    await first.close();

    const saved = JSON.parse(readFileSync(file, "utf8")) as { version: number; clients: unknown[] };
    expect(saved.version).toBe(1);
    expect(saved.clients).toHaveLength(1);

    const second = await emulator({ persistPath: file });
    const read = await fetch(`${second.url}/v1/oauth2/register/${client.client_id}`, {
      headers: { authorization: `Bearer ${client.registration_access_token}` },
    });
    expect(read.status).toBe(200);
    expect(await (await fetch(`${second.url}/.well-known/jwks.json`)).json()).toEqual(jwksBefore);
    expect((await userinfo(second, String(tokens.access_token))).status).toBe(200);
    const refreshed = await refresh(second, client, String(tokens.refresh_token));
    expect(refreshed.status).toBe(200);
    expect((await userinfo(second, String(tokens.access_token))).status).toBe(401);
    const listed = await fetch(`${second.url}/v1/oauth2/`, {
      headers: { cookie: await webSession(second, "alice@example.com") },
    });
    expect(
      ((await listed.json()) as { pagination: { total_count: number } }).pagination.total_count,
    ).toBe(1);
  });

  it("refuses a file that is not an emulator state file", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "polar-emulator-")), "state.json");
    writeFileSync(file, '{"hello":"world"}');
    await expect(startEmulator({ persistPath: file })).rejects.toThrow(
      /not an emulator state file/,
    );
    writeFileSync(file, "{");
    await expect(startEmulator({ persistPath: file })).rejects.toThrow(/not valid JSON/);
  });
});
