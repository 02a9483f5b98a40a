import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type {
  EmulatorFixtures,
  EmulatorFixturesInput,
  FixtureOrganization,
  FixtureUser,
} from "./types.js";

const ACME = "ac3e0000-0000-4000-8000-00000000a001";
const ALICE_LABS = "a11ce1ab-0000-4000-8000-00000000a002";
const BOBS_BUILDS = "b0bb0000-0000-4000-8000-00000000b001";

/** The fixture set used when `fixtures` is not given: alice (2 orgs), bob (1 org), carol (unverified email). */
export const DEFAULT_FIXTURES: EmulatorFixtures = {
  users: [
    {
      id: "a11ce000-0000-4000-8000-000000000001",
      email: "alice@example.com",
      emailVerified: true,
      name: "Alice Anderson",
      pat: "polar_pat_emulator_alice",
      organizations: [ACME, ALICE_LABS],
    },
    {
      id: "b0b00000-0000-4000-8000-000000000002",
      email: "bob@example.com",
      emailVerified: true,
      name: "Bob Brown",
      pat: "polar_pat_emulator_bob",
      organizations: [BOBS_BUILDS],
    },
    {
      id: "ca201000-0000-4000-8000-000000000003",
      email: "carol@example.com",
      emailVerified: false,
      name: "Carol Clark",
      pat: "polar_pat_emulator_carol",
      organizations: [],
    },
  ],
  organizations: [
    { id: ACME, slug: "acme", name: "Acme Inc" },
    { id: ALICE_LABS, slug: "alice-labs", name: "Alice Labs" },
    { id: BOBS_BUILDS, slug: "bobs-builds", name: "Bob's Builds" },
  ],
};

/** Thrown when fixtures are malformed; the message names the offending field. */
export class FixtureError extends Error {
  readonly code = "EMULATOR_FIXTURES_INVALID";
  constructor(message: string) {
    super(message);
    this.name = "FixtureError";
  }
}

function suffix(i: number): string {
  return i.toString(16).padStart(12, "0");
}

/**
 * `n` distinct verified users (user1@example.com … userN@example.com) with deterministic ids and
 * PATs (`polar_pat_emulator_user1`, …) and no organization: `fixtures: { users: generateFixtureUsers(200) }`.
 */
export function generateFixtureUsers(n: number, options: { domain?: string } = {}): FixtureUser[] {
  if (!Number.isInteger(n) || n < 0) {
    throw new FixtureError("generateFixtureUsers(n): n must be a non-negative integer");
  }
  const domain = options.domain ?? "example.com";
  return Array.from({ length: n }, (_, index) => {
    const i = index + 1;
    return {
      id: `0000f17e-0000-4000-8000-${suffix(i)}`,
      email: `user${i}@${domain}`,
      emailVerified: true,
      name: `User ${i}`,
      pat: `polar_pat_emulator_user${i}`,
      organizations: [],
    };
  });
}

/** Like `generateFixtureUsers(n)`, plus one organization per user (`org-1` … `org-N`). */
export function generateFixtures(n: number, options: { domain?: string } = {}): EmulatorFixtures {
  const users = generateFixtureUsers(n, options);
  const organizations = users.map((_, index) => ({
    id: `0000f17e-0000-4000-a000-${suffix(index + 1)}`,
    slug: `org-${index + 1}`,
    name: `Org ${index + 1}`,
  }));
  users.forEach((user, index) => {
    user.organizations = [organizations[index]!.id];
  });
  return { users, organizations };
}

function uuidFrom(seed: string): string {
  const hex = createHash("sha256").update(seed).digest("hex");
  const variant = ((Number.parseInt(hex[16] ?? "0", 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function slugify(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "") || "org"
  );
}

function requireString(value: unknown, where: string): string {
  if (typeof value !== "string" || value.trim() === "") {
    throw new FixtureError(`${where} must be a non-empty string`);
  }
  return value;
}

function normaliseOrganization(input: unknown, where: string, seed: string): FixtureOrganization {
  if (typeof input !== "object" || input === null)
    throw new FixtureError(`${where} must be an object`);
  const org = input as Record<string, unknown>;
  const name = requireString(org.name, `${where}.name`);
  return {
    id:
      org.id === undefined ? uuidFrom(`org:${seed}:${name}`) : requireString(org.id, `${where}.id`),
    slug: org.slug === undefined ? slugify(name) : requireString(org.slug, `${where}.slug`),
    name,
  };
}

class OrganizationIndex {
  readonly list: FixtureOrganization[] = [];
  readonly #byId = new Map<string, FixtureOrganization>();

  add(org: FixtureOrganization, where: string): void {
    const existing = this.#byId.get(org.id);
    if (existing) {
      if (existing.name !== org.name || existing.slug !== org.slug) {
        throw new FixtureError(
          `${where}: organization id ${org.id} is defined twice with different names`,
        );
      }
      return;
    }
    this.#byId.set(org.id, org);
    this.list.push(org);
  }

  has(id: string): boolean {
    return this.#byId.has(id);
  }
}

function normaliseUser(input: unknown, index: number, orgs: OrganizationIndex): FixtureUser {
  const where = `fixtures.users[${index}]`;
  if (typeof input !== "object" || input === null)
    throw new FixtureError(`${where} must be an object`);
  const user = input as Record<string, unknown>;
  const email = requireString(user.email, `${where}.email`);
  if (!email.includes("@")) throw new FixtureError(`${where}.email must be an email address`);
  if (user.emailVerified !== undefined && typeof user.emailVerified !== "boolean") {
    throw new FixtureError(`${where}.emailVerified must be true or false`);
  }
  const organizations = user.organizations ?? [];
  if (!Array.isArray(organizations))
    throw new FixtureError(`${where}.organizations must be an array`);
  const orgIds = organizations.map((entry: unknown, i) => {
    const at = `${where}.organizations[${i}]`;
    if (typeof entry === "string") {
      if (!orgs.has(entry))
        throw new FixtureError(`${at}: no organization with id ${entry} in fixtures.organizations`);
      return entry;
    }
    const org = normaliseOrganization(entry, at, email);
    orgs.add(org, at);
    return org.id;
  });
  const digest = createHash("sha256").update(email).digest("hex");
  return {
    id: user.id === undefined ? uuidFrom(`user:${email}`) : requireString(user.id, `${where}.id`),
    email,
    emailVerified: (user.emailVerified as boolean | undefined) ?? true,
    name:
      user.name === undefined ? email.split("@")[0]! : requireString(user.name, `${where}.name`),
    pat:
      user.pat === undefined
        ? `polar_pat_emulator_${digest.slice(0, 16)}`
        : requireString(user.pat, `${where}.pat`),
    organizations: [...new Set(orgIds)],
  };
}

function assertUnique(users: FixtureUser[], field: "id" | "email" | "pat"): void {
  const seen = new Set<string>();
  for (const user of users) {
    const value = field === "email" ? user.email.toLowerCase() : user[field];
    if (seen.has(value)) {
      throw new FixtureError(
        `fixtures.users: two users share the same ${field}${field === "pat" ? "" : ` (${value})`}`,
      );
    }
    seen.add(value);
  }
}

/** Validates fixtures (object or parsed JSON) and fills defaults for omitted fields. */
export function normaliseFixtures(input: unknown): EmulatorFixtures {
  if (typeof input !== "object" || input === null) {
    throw new FixtureError("fixtures must be an object with a users array");
  }
  const { users, organizations = [] } = input as { users?: unknown; organizations?: unknown };
  if (!Array.isArray(users) || users.length === 0) {
    throw new FixtureError("fixtures.users must be a non-empty array");
  }
  if (!Array.isArray(organizations))
    throw new FixtureError("fixtures.organizations must be an array");
  const orgs = new OrganizationIndex();
  organizations.forEach((org, i) => {
    const where = `fixtures.organizations[${i}]`;
    orgs.add(normaliseOrganization(org, where, "fixtures"), where);
  });
  const normalised = users.map((user, i) => normaliseUser(user, i, orgs));
  assertUnique(normalised, "id");
  assertUnique(normalised, "email");
  assertUnique(normalised, "pat");
  return { users: normalised, organizations: orgs.list };
}

/** Resolves the `fixtures` option: undefined → defaults, string → JSON file, object → validated copy. */
export function loadFixtures(input: EmulatorFixturesInput | string | undefined): EmulatorFixtures {
  if (input === undefined) return structuredClone(DEFAULT_FIXTURES);
  if (typeof input === "string") {
    let text: string;
    try {
      text = readFileSync(input, "utf8");
    } catch (error) {
      throw new FixtureError(`cannot read fixtures file ${input}: ${(error as Error).message}`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new FixtureError(
        `fixtures file ${input} is not valid JSON: ${(error as Error).message}`,
      );
    }
    return normaliseFixtures(parsed);
  }
  return normaliseFixtures(input);
}

/** Looks up users and organizations of a fixture set. */
export class FixtureDirectory {
  readonly #byId = new Map<string, FixtureUser>();
  readonly #byEmail = new Map<string, FixtureUser>();
  readonly #byPat = new Map<string, FixtureUser>();
  readonly #organizations = new Map<string, FixtureOrganization>();

  constructor(readonly fixtures: EmulatorFixtures) {
    for (const user of fixtures.users) {
      this.#byId.set(user.id, user);
      this.#byEmail.set(user.email.toLowerCase(), user);
      this.#byPat.set(user.pat, user);
    }
    for (const org of fixtures.organizations) this.#organizations.set(org.id, org);
  }

  get users(): FixtureUser[] {
    return this.fixtures.users;
  }

  /** A user by id or email. */
  user(idOrEmail: string): FixtureUser | undefined {
    return this.#byId.get(idOrEmail) ?? this.#byEmail.get(idOrEmail.toLowerCase());
  }

  userByPat(pat: string): FixtureUser | undefined {
    return this.#byPat.get(pat);
  }

  organization(id: string): FixtureOrganization | undefined {
    return this.#organizations.get(id);
  }

  /** The organizations a user belongs to, in the user's order. */
  organizationsOf(user: FixtureUser): FixtureOrganization[] {
    return user.organizations.flatMap((id) => this.#organizations.get(id) ?? []);
  }
}
