/**
 * The error reference (`packages/core/ERRORS.md`) covers every code the kit can throw, redirect
 * with or answer in JSON, read from the source (not from a hand-kept list), ships in core's
 * tarball, and is where every error's `reference` points.
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  ERROR_REFERENCE,
  PolarConfigError,
  PolarLoginError,
  RedirectUriMismatchError,
  RegistrationMismatchError,
} from "@polar-oauth/core";
import { describe, expect, it } from "vitest";
import { collectErrorCodes, collectExitCodes } from "./error-codes.js";

const CORE = fileURLToPath(new URL("../../packages/core/", import.meta.url));
const PAGE = readFileSync(`${CORE}ERRORS.md`, "utf8");

/** GitHub's anchor for a heading: lower case, punctuation but `-` and `_` dropped, spaces → `-`. */
function slug(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .trim()
    .replace(/\s/g, "-");
}

const headings = (level: string) =>
  [...PAGE.matchAll(new RegExp(`^${level} (.+)$`, "gm"))].map((m) => m[1]!.trim());
const entries = new Set(headings("###").map(slug));
const anchors = new Set([...headings("##"), ...headings("###")].map(slug));

describe("the error reference", () => {
  const found = collectErrorCodes();

  it("finds the codes in the source (the collector itself works)", () => {
    const codes = new Set(found.map((f) => f.code));
    for (const known of [
      "POLAR_CONFIG_INVALID",
      "REDIRECT_URI_MISMATCH",
      "CLIENT_ON_OTHER_SERVER",
      "LOGIN_ACCESS_DENIED",
      "SESSION_ENDED",
      "INSUFFICIENT_SCOPE",
      "insufficient_scope",
      "unauthenticated",
      "STORE_UNAVAILABLE",
      "CLI_USAGE",
      "DOTENV_UNSAFE_VALUE",
      "UNEXPECTED",
    ]) {
      expect(codes, known).toContain(known);
    }
    expect(codes.size).toBeGreaterThan(40);
  });

  it("has an entry for every code the kit throws, redirects with or answers", () => {
    const missing = found.filter((f) => !entries.has(f.code.toLowerCase()));
    expect(missing.map((f) => `${f.code} (${f.where})`)).toEqual([]);
  });

  it("has no entry for a code the kit no longer has", () => {
    const codes = new Set(found.map((f) => f.code.toLowerCase()));
    expect([...entries].filter((entry) => !codes.has(entry))).toEqual([]);
  });

  it("lists every CLI exit code", () => {
    const exits = collectExitCodes();
    expect(exits).toEqual([0, 1, 2, 64]);
    for (const exit of exits) expect(PAGE).toMatch(new RegExp(`^\\| \`${exit}\` +\\|`, "m"));
  });

  it("links only to anchors it has", () => {
    const links = [...PAGE.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]!);
    expect(links.length).toBeGreaterThan(5);
    expect(links.filter((link) => !anchors.has(link))).toEqual([]);
  });

  it("ships in @polar-oauth/core's tarball, where errors point", () => {
    const manifest = JSON.parse(readFileSync(`${CORE}package.json`, "utf8")) as {
      files: string[];
    };
    expect(manifest.files).toContain("ERRORS.md");
    expect(ERROR_REFERENCE).toBe("@polar-oauth/core/ERRORS.md");
    expect(existsSync(`${CORE}${ERROR_REFERENCE.slice("@polar-oauth/core/".length)}`)).toBe(true);
  });

  it("messages that ask for a change point to their entry; a sign-in's reason does not", () => {
    const mismatch = new RedirectUriMismatchError("Redirect URI differs.", {
      redirectUri: "http://localhost:3001/auth/callback",
      registeredRedirectUris: [],
    });
    expect(mismatch.message).toBe(
      "Redirect URI differs. (see @polar-oauth/core/ERRORS.md#redirect_uri_mismatch)",
    );
    expect(new RegistrationMismatchError("x").reference).toBe(
      "@polar-oauth/core/ERRORS.md#registration_mismatch",
    );
    const config = new PolarConfigError([
      { variable: "SESSION_SECRET", problem: "is missing.", fix: "Set it." },
    ]);
    expect(config.message).toMatch(/\(see @polar-oauth\/core\/ERRORS\.md#polar_config_invalid\)$/);
    const login = new PolarLoginError("access_denied");
    expect(login.message).toBe("You declined to sign in with Polar.");
    expect(entries).toContain(login.reference.split("#")[1]);
  });
});
