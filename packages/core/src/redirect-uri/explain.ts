import { editDistance } from "../scopes.js";

/** Why a configured redirect URI differs from the nearest registered one. */
export interface RedirectUriMismatch {
  /** The registered URI closest to the configured one; undefined when none are registered. */
  closest: string | undefined;
  /** Each difference in words, e.g. "yours has a trailing slash". */
  differences: string[];
  /** One sentence for humans: what is registered, and how yours differs. */
  summary: string;
}

/**
 * Compares the configured redirect URI with the registered ones (Polar matches by exact string)
 * and explains the difference to the closest. Returns undefined when there is an exact match.
 */
export function explainRedirectUriMismatch(
  configured: string,
  registered: readonly string[],
): RedirectUriMismatch | undefined {
  if (registered.includes(configured)) return undefined;
  if (registered.length === 0) {
    return {
      closest: undefined,
      differences: ["the client has no registered redirect URI"],
      summary: `${configured} is not registered: the client has no redirect URIs.`,
    };
  }
  const ranked = registered
    .map((candidate) => ({ candidate, differences: describeDifferences(configured, candidate) }))
    .sort(
      (x, y) =>
        x.differences.length - y.differences.length ||
        editDistance(configured, x.candidate) - editDistance(configured, y.candidate),
    );
  const { candidate, differences } = ranked[0]!;
  return {
    closest: candidate,
    differences,
    summary: `registered ${candidate} — ${differences.join("; ")}.`,
  };
}

function describeDifferences(yours: string, theirs: string): string[] {
  const a = tryParse(yours);
  const b = tryParse(theirs);
  if (!a || !b) return [`yours (${yours}) differs from ${theirs}`];
  const out: string[] = [];
  if (a.protocol !== b.protocol) {
    out.push(`scheme: yours is ${scheme(a)}, registered is ${scheme(b)}`);
  }
  const rawHostA = rawHost(yours);
  const rawHostB = rawHost(theirs);
  if (a.hostname !== b.hostname) {
    out.push(`host: yours is ${a.hostname}, registered is ${b.hostname}`);
  } else if (rawHostA !== rawHostB && rawHostA.toLowerCase() === rawHostB.toLowerCase()) {
    out.push(`host letter case: yours is ${rawHostA}, registered is ${rawHostB}`);
  }
  if (a.port !== b.port) {
    out.push(`port: yours is ${a.port || "the default"}, registered is ${b.port || "the default"}`);
  }
  const pathA = rawPath(yours, a);
  const pathB = rawPath(theirs, b);
  if (pathA !== pathB) out.push(describePath(pathA, pathB));
  if (a.search !== b.search) {
    if (a.search && !b.search) {
      out.push(
        `yours has a query string (${a.search}); Polar compares the whole URI, query included`,
      );
    } else if (!a.search && b.search) {
      out.push(`the registered one has a query string (${b.search}) that yours lacks`);
    } else {
      out.push(`query: yours is ${a.search}, registered is ${b.search}`);
    }
  }
  if (a.hash !== b.hash) out.push("yours has a fragment (#…), which must not be there");
  if (out.length === 0)
    out.push(`they differ only in spelling: yours is ${yours}, registered is ${theirs}`);
  return out;
}

function describePath(yours: string, theirs: string): string {
  if (yours === `${theirs}/`) return "yours has a trailing slash";
  if (theirs === `${yours}/`) {
    return yours === ""
      ? "yours lacks the trailing slash Polar adds after a bare host"
      : "yours lacks the trailing slash";
  }
  if (yours.toLowerCase() === theirs.toLowerCase()) {
    return `path letter case: yours is ${yours}, registered is ${theirs}`;
  }
  return `path: yours is ${yours || "/"}, registered is ${theirs || "/"}`;
}

function tryParse(uri: string): URL | undefined {
  try {
    return new URL(uri);
  } catch {
    return undefined;
  }
}

function scheme(url: URL): string {
  return url.protocol.replace(/:$/, "");
}

/** Authority as written (URL lowercases hosts; the server compares raw strings). */
function rawHost(uri: string): string {
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(uri);
  return (m?.[1] ?? "").replace(/^.*@/, "").replace(/:\d+$/, "");
}

/**
 * Path as written, without query or fragment ("" for a bare host); without an authority
 * (`com.example.app:/cb`, `http:host/cb`), the parsed path.
 */
function rawPath(uri: string, url: URL): string {
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*([^?#]*)/i.exec(uri);
  return m?.[1] ?? url.pathname;
}
