import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  completeAuthorization,
  DEFAULT_FIXTURES,
  FixtureError,
  generateFixtures,
  generateFixtureUsers,
  startEmulator,
} from "../src/index.js";
import { authorizeUrl, emulator, introspect, redeemCode, registerOk, userinfo } from "./helpers.js";

const SHARED = "0f0f0f0f-0000-4000-8000-000000000001";

describe("fixtures", () => {
  it("the defaults are alice (2 orgs), bob (1 org) and carol (unverified)", () => {
    expect(
      DEFAULT_FIXTURES.users.map((u) => [u.email, u.emailVerified, u.organizations.length, u.pat]),
    ).toEqual([
      ["alice@example.com", true, 2, "polar_pat_emulator_alice"],
      ["bob@example.com", true, 1, "polar_pat_emulator_bob"],
      ["carol@example.com", false, 0, "polar_pat_emulator_carol"],
    ]);
    const orgIds = new Set(DEFAULT_FIXTURES.organizations.map((o) => o.id));
    for (const user of DEFAULT_FIXTURES.users)
      for (const id of user.organizations) expect(orgIds.has(id)).toBe(true);
  });

  it("generateFixtureUsers(200) makes 200 distinct users that can all sign in", async () => {
    const users = generateFixtureUsers(200);
    expect(new Set(users.map((u) => u.id)).size).toBe(200);
    expect(new Set(users.map((u) => u.email)).size).toBe(200);
    expect(new Set(users.map((u) => u.pat)).size).toBe(200);
    expect(generateFixtureUsers(3)).toEqual(generateFixtureUsers(3));

    const emu = await emulator({ fixtures: { users }, rateLimits: false });
    expect(emu.fixtures.users).toHaveLength(200);
    const client = await registerOk(emu);
    const subs = new Set<string>();
    for (const user of [users[0]!, users[99]!, users[199]!]) {
      const { redirectTo } = await completeAuthorization(authorizeUrl(emu, client), {
        user: user.email,
      });
      const tokens = (await redeemCode(emu, client, redirectTo.searchParams.get("code")!)).body;
      subs.add(String((await userinfo(emu, String(tokens.access_token))).body.sub));
    }
    expect(subs).toEqual(new Set([users[0]!.id, users[99]!.id, users[199]!.id]));
  });

  it("generateFixtures(n) adds one organization per user", async () => {
    const fixtures = generateFixtures(5);
    expect(fixtures.organizations).toHaveLength(5);
    const emu = await emulator({ fixtures });
    const client = await registerOk(emu);
    const user = emu.fixtures.users[3]!;
    const { redirectTo } = await completeAuthorization(
      authorizeUrl(emu, client, { sub_type: "organization" }),
      {
        user: user.email,
      },
    );
    const tokens = (await redeemCode(emu, client, redirectTo.searchParams.get("code")!)).body;
    expect((await userinfo(emu, String(tokens.access_token))).body).toEqual({
      sub: user.id,
      email: user.email,
      email_verified: true,
    });
    expect(await introspect(emu, client, String(tokens.access_token))).toMatchObject({
      sub: user.id,
      organizations: [user.organizations[0]],
    });
  });

  it("loads a JSON file and fills omitted fields", async () => {
    const dir = mkdtempSync(join(tmpdir(), "polar-emulator-"));
    const file = join(dir, "fixtures.json");
    writeFileSync(
      file,
      JSON.stringify({
        organizations: [{ id: SHARED, name: "Shared Co", slug: "shared" }],
        users: [
          {
            email: "dana@example.org",
            name: "Dana",
            organizations: [{ name: "Dana Corp" }, SHARED],
          },
          { email: "eve@example.org", organizations: [SHARED] },
        ],
      }),
    );
    const emu = await emulator({ fixtures: file });
    const [dana] = emu.fixtures.users;
    expect(dana).toMatchObject({ email: "dana@example.org", name: "Dana", emailVerified: true });
    expect(dana!.id).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(dana!.pat).toMatch(/^polar_pat_emulator_[0-9a-f]{16}$/);
    expect(emu.fixtures.organizations.map((o) => o.slug)).toEqual(["shared", "dana-corp"]);
    expect(dana!.organizations).toEqual([
      emu.fixtures.organizations[1]!.id,
      "0f0f0f0f-0000-4000-8000-000000000001",
    ]);
    expect(emu.fixtures.users[1]).toMatchObject({
      name: "eve",
      organizations: ["0f0f0f0f-0000-4000-8000-000000000001"],
    });
    const again = await emulator({ fixtures: file });
    expect(again.fixtures).toEqual(emu.fixtures);
  });

  it.each([
    [{ users: [] }, /fixtures.users must be a non-empty array/],
    [{ users: [{ name: "x" }] }, /fixtures.users\[0\].email/],
    [{ users: [{ email: "a@x.io" }, { email: "A@x.io" }] }, /same email/],
    [{ users: [{ email: "a@x.io", emailVerified: "yes" }] }, /emailVerified/],
    [{ users: [{ email: "a@x.io", organizations: [{ slug: "s" }] }] }, /organizations\[0\].name/],
    [
      { users: [{ email: "a@x.io", organizations: ["missing-id"] }] },
      /no organization with id missing-id/,
    ],
  ])("rejects %j with a message naming the field", async (fixtures, message) => {
    await expect(startEmulator({ fixtures: fixtures as never })).rejects.toThrow(message);
    await expect(startEmulator({ fixtures: fixtures as never })).rejects.toBeInstanceOf(
      FixtureError,
    );
  });

  it("reports an unreadable or invalid fixtures file", async () => {
    await expect(startEmulator({ fixtures: "/nonexistent/fixtures.json" })).rejects.toThrow(
      /cannot read fixtures file/,
    );
    const dir = mkdtempSync(join(tmpdir(), "polar-emulator-"));
    writeFileSync(join(dir, "bad.json"), "{");
    await expect(startEmulator({ fixtures: join(dir, "bad.json") })).rejects.toThrow(
      /not valid JSON/,
    );
  });
});

describe("pre-registered clients", () => {
  it("keep their fixed credentials and owner", async () => {
    const emu = await emulator({
      clients: [
        {
          client_id: "polar_ci_fixed",
          client_secret: "polar_cs_fixed",
          registration_access_token: "polar_crt_fixed",
          owner: "bob@example.com",
          client_name: "Fixed",
          redirect_uris: ["http://localhost:3000/auth/callback"],
        },
      ],
    });
    const read = await fetch(`${emu.url}/v1/oauth2/register/polar_ci_fixed`, {
      headers: { authorization: "Bearer polar_crt_fixed" },
    });
    expect(read.status).toBe(200);
    const listed = await fetch(`${emu.url}/v1/oauth2/`, {
      headers: { authorization: "Bearer polar_pat_emulator_bob" },
    });
    expect(
      ((await listed.json()) as { items: Array<{ client_id: string }> }).items[0]?.client_id,
    ).toBe("polar_ci_fixed");
    const client = { client_id: "polar_ci_fixed", client_secret: "polar_cs_fixed" } as never;
    const { redirectTo } = await completeAuthorization(authorizeUrl(emu, client));
    expect((await redeemCode(emu, client, redirectTo.searchParams.get("code")!)).status).toBe(200);
  });

  it("an invalid pre-registered client fails startup with a clear message", async () => {
    await expect(
      startEmulator({
        clients: [{ client_name: "Bad", redirect_uris: ["http://example.com/cb"] }],
      }),
    ).rejects.toThrow(/clients\[0\] is invalid/);
    await expect(
      startEmulator({
        clients: [{ client_name: "A", redirect_uris: ["https://a.example/cb"], owner: "zed" }],
      }),
    ).rejects.toThrow(/owner "zed" is not a fixture user/);
  });
});
