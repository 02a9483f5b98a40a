import type { Environment } from "../environment.js";

/** The outcome of checking one redirect URI against Polar's rules. */
export type RedirectUriVerdict = { ok: true } | { ok: false; problem: string; fix: string };

const FORBIDDEN_SCHEMES = new Set([
  "javascript:",
  "data:",
  "vbscript:",
  "file:",
  "blob:",
  "about:",
]);

/** True for `localhost`, `*.localhost`, loopback and private IPv4 hosts: where Polar allows http. */
export function isLocalHttpHost(hostname: string): boolean {
  if (hostname === "localhost" || hostname.endsWith(".localhost")) return true;
  const octets = hostname.split(".");
  if (octets.length !== 4 || !octets.every((o) => /^\d{1,3}$/.test(o))) return false;
  const [a, b] = octets.map(Number) as [number, number, number, number];
  return a === 127 || a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
}

/**
 * Applies Polar's redirect-URI rules: https (or a custom app scheme with a host, such as
 * `myapp://cb`: Polar refuses `com.example.app:/cb`); http only for localhost, `*.localhost`,
 * 127.0.0.1 and private IPv4, and never in production; no fragment, no userinfo, no wildcard,
 * and (the kit's own rule) no query: openid-client sends
 * the token request's `redirect_uri` without its query, which Polar (Authlib compares the
 * string exactly) refuses with `invalid_grant`.
 */
export function validateRedirectUri(uri: string, environment: Environment): RedirectUriVerdict {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return {
      ok: false,
      problem: `"${uri}" is not an absolute URL.`,
      fix: "Use the full URL of your callback, e.g. https://example.com/auth/callback.",
    };
  }
  if (/^[a-z0-9.-]+:\d+(?:[/?#]|$)/i.test(uri)) {
    // `localhost:3000/callback` parses as scheme "localhost:"; it is a URL missing http://.
    return fail("it has no scheme (it reads as host:port).", `Write the full URL: http://${uri}.`);
  }
  if (uri.includes("#")) {
    return fail("it has a fragment (#…), which OAuth forbids.", "Remove the #… part.");
  }
  if (url.username || url.password || /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(uri)) {
    return fail("it has userinfo (user@host).", "Remove the user@ part.");
  }
  if (uri.includes("*")) {
    return fail(
      "it has a wildcard; Polar supports no wildcard subdomains.",
      "Register each subdomain's callback explicitly.",
    );
  }
  if (uri.includes("?")) {
    return fail(
      "it has a query (?…), which the token request drops (openid-client), so Polar would refuse every sign-in with invalid_grant.",
      "Register the callback URL without ?…; carry per-sign-in values in returnTo.",
    );
  }
  if (FORBIDDEN_SCHEMES.has(url.protocol)) {
    return fail(`the ${url.protocol} scheme cannot receive a redirect.`, "Use an https URL.");
  }
  if (url.hostname === "") {
    return fail(
      `it has no host, and Polar refuses a redirect URI without one (400 invalid_client_metadata, "Invalid claim: 'redirect_uris'": Authlib's is_valid_url wants a host).`,
      `Give the custom scheme a host: ${url.protocol}//${url.pathname.replace(/^\/+/, "") || "callback"}, or use an https URL.`,
    );
  }
  if (url.protocol === "http:") {
    if (environment === "production") {
      return fail(
        "it uses http in production.",
        "Use https; http is only for localhost during development.",
      );
    }
    if (!isLocalHttpHost(url.hostname)) {
      return fail(
        `http is only allowed for localhost, *.localhost, 127.0.0.1 and private IPv4 addresses, not ${url.hostname}.`,
        "Use https, or http://localhost:<port>/… for local development.",
      );
    }
  }
  return { ok: true };

  function fail(problem: string, fix: string): RedirectUriVerdict {
    return { ok: false, problem: `"${uri}": ${problem}`, fix };
  }
}
