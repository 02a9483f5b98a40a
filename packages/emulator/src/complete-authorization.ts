import { BrowserSession } from "./browser-session.js";

/** How `completeAuthorization` answers the emulator's pages, like a person would. */
export interface AuthorizationChoice {
  /** Fixture user id or email to pick on the login page; default: the first user listed. */
  user?: string;
  /** Button to press on the consent page; default "allow". */
  decision?: "allow" | "deny";
  /** Organization to pick when the request has `sub_type=organization` (the token is down-scoped to it); default: the first one. */
  organizationId?: string;
  /** Cookies to use and keep (reuse one to keep the Polar session across calls); default: a fresh jar. */
  session?: BrowserSession;
}

/** The final redirect back to the application. */
export interface AuthorizationOutcome {
  /** The redirect_uri with `code` and `state`, or with `error`. */
  redirectTo: URL;
  /** HTTP status of that redirect (302 or 303). */
  status: number;
}

/** The emulator showed an error page (or something unexpected) instead of redirecting back to the app. */
export class AuthorizationFlowError extends Error {
  readonly code = "EMULATOR_AUTHORIZATION_FAILED";
  constructor(
    readonly status: number,
    readonly error: string,
    readonly errorDescription: string,
  ) {
    super(
      `Polar emulator answered ${status} ${error}${errorDescription ? `: ${errorDescription}` : ""}`,
    );
    this.name = "AuthorizationFlowError";
  }
}

const MAX_STEPS = 25;
const REQUEST_TIMEOUT_MS = 15_000;

/** Reverses `escape-html` (pages/escape.ts) on the emulator's own pages. */
function unescapeHtml(text: string): string {
  return text
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");
}

function formAction(html: string, pageUrl: URL): URL {
  const action = /<form method="post" action="([^"]*)"/.exec(html)?.[1];
  if (action === undefined)
    throw new AuthorizationFlowError(200, "unexpected_page", "the page has no form to submit");
  return new URL(unescapeHtml(action), pageUrl);
}

function loginForm(html: string, choice: AuthorizationChoice): URLSearchParams {
  const users = [
    ...html.matchAll(
      /<button type="submit" class="user" name="user" value="([^"]*)" data-email="([^"]*)">/g,
    ),
  ].map((match) => ({ id: unescapeHtml(match[1] ?? ""), email: unescapeHtml(match[2] ?? "") }));
  const wanted = choice.user;
  const user = wanted
    ? users.find((u) => u.id === wanted || u.email.toLowerCase() === wanted.toLowerCase())
    : users[0];
  if (!user) {
    throw new AuthorizationFlowError(
      200,
      "unknown_fixture_user",
      wanted
        ? `"${wanted}" is not a fixture user (login page lists: ${users.map((u) => u.email).join(", ")})`
        : "the login page lists no users",
    );
  }
  return new URLSearchParams({ user: user.id });
}

function consentForm(html: string, choice: AuthorizationChoice): URLSearchParams {
  const decision = choice.decision ?? "allow";
  const form = new URLSearchParams({ decision });
  if (decision === "deny") return form;
  if (/name="decision" value="allow" disabled/.test(html)) {
    const reason = /<div class="error"><p>([^<]*)<\/p>/.exec(html)?.[1];
    throw new AuthorizationFlowError(
      200,
      "cannot_allow",
      unescapeHtml(reason ?? "the consent page does not allow this request"),
    );
  }
  const organizations = [
    ...html.matchAll(
      /<input type="radio" name="organizations" value="([^"]*)" required( checked)?>/g,
    ),
  ].map((match) => ({ id: unescapeHtml(match[1] ?? ""), checked: match[2] !== undefined }));
  if (organizations.length > 0) {
    const wanted = choice.organizationId;
    const org = wanted
      ? organizations.find((o) => o.id === wanted)
      : (organizations.find((o) => o.checked) ?? organizations[0]);
    if (!org) {
      throw new AuthorizationFlowError(
        200,
        "unknown_organization",
        `organization ${wanted} is not offered (choices: ${organizations.map((o) => o.id).join(", ")})`,
      );
    }
    form.set("organizations", org.id);
  }
  return form;
}

/**
 * The self-submitting form oidc-provider shows when the signed-in user changes (it ends the old
 * session, then resumes); a browser posts it with JavaScript, so do the same.
 */
function autoSubmittedForm(
  html: string,
  pageUrl: URL,
): { action: URL; fields: URLSearchParams } | undefined {
  if (!html.includes("document.forms[0].submit()")) return undefined;
  const action = /<form method="post" action="([^"]*)"/.exec(html)?.[1];
  if (action === undefined) return undefined;
  const fields = new URLSearchParams();
  for (const match of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)"\/?>/g)) {
    fields.append(unescapeHtml(match[1] ?? ""), unescapeHtml(match[2] ?? ""));
  }
  return { action: new URL(unescapeHtml(action), pageUrl), fields };
}

function isEmulatorUrl(url: URL, origin: string): boolean {
  return url.origin === origin && url.pathname.startsWith("/oauth2/");
}

function isEmulatorPage(url: URL, origin: string): boolean {
  return (
    url.origin === origin &&
    (url.pathname.startsWith("/oauth2/authorize") ||
      url.pathname.startsWith("/oauth2/interaction/"))
  );
}

/**
 * Follows the emulator's own login and consent pages over plain HTTP (own cookie jar, no browser),
 * as a person would: picks the fixture user, allows or denies, picks an organization for
 * `sub_type=organization`, and returns the final redirect back to the app (the redirect_uri with
 * `code`/`state` or `error`). Throws `AuthorizationFlowError` with the status and the page's error
 * text when the emulator answers with an error page (e.g. redirect_uri mismatch).
 */
export async function completeAuthorization(
  authorizationUrl: string | URL,
  choice: AuthorizationChoice = {},
): Promise<AuthorizationOutcome> {
  const start = new URL(authorizationUrl);
  const origin = start.origin;
  const session = choice.session ?? new BrowserSession();
  let url = start;
  let body: URLSearchParams | undefined;

  for (let step = 0; step < MAX_STEPS; step++) {
    const headers: Record<string, string> = { accept: "text/html" };
    const cookie = session.header(url);
    if (cookie) headers.cookie = cookie;
    if (body) headers["content-type"] = "application/x-www-form-urlencoded";
    const response = await fetch(url, {
      method: body ? "POST" : "GET",
      headers,
      body: body?.toString(),
      redirect: "manual",
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    session.store(response.headers.getSetCookie(), url);

    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel();
      const location = response.headers.get("location");
      if (!location)
        throw new AuthorizationFlowError(
          response.status,
          "missing_location",
          "a redirect without Location",
        );
      const next = new URL(location, url);
      if (!isEmulatorPage(next, origin)) return { redirectTo: next, status: response.status };
      url = next;
      body = undefined;
      continue;
    }

    const html = await response.text();
    const kind = /<meta name="polar-emulator-page" content="([a-z]+)">/.exec(html)?.[1];
    if (response.status === 200 && (kind === "login" || kind === "consent")) {
      body = kind === "login" ? loginForm(html, choice) : consentForm(html, choice);
      url = formAction(html, url);
      continue;
    }
    const autoPost = response.status === 200 ? autoSubmittedForm(html, url) : undefined;
    if (autoPost) {
      if (!isEmulatorUrl(autoPost.action, origin)) {
        throw new AuthorizationFlowError(
          200,
          "unsupported_response",
          `a form post to ${autoPost.action.origin} (only query responses are supported)`,
        );
      }
      url = autoPost.action;
      body = autoPost.fields;
      continue;
    }
    const error = /<code id="error-code">([^<]*)<\/code>/.exec(html)?.[1];
    const description = /<p id="error-description">([^<]*)<\/p>/.exec(html)?.[1];
    throw new AuthorizationFlowError(
      response.status,
      error ? unescapeHtml(error) : "unexpected_response",
      description ? unescapeHtml(description) : html.slice(0, 200),
    );
  }
  throw new AuthorizationFlowError(
    0,
    "too_many_steps",
    `no redirect back to the app after ${MAX_STEPS} requests`,
  );
}
