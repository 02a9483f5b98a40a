import { renderInsufficientScopePage } from "../http/pages.js";
import type { AuthRequest, AuthResponse } from "../http/types.js";
import { isPolarScope } from "../scopes.js";
import type { PolarSession } from "../session/data.js";
import { acceptsHtml, type FlowContext, html, json, prefersJson, redirect } from "./context.js";
import { safeReturnTo } from "./return-to.js";

/**
 * Decides whether a request may reach a protected route. Signed out: a page request is sent
 * to login (coming back to the same path), an API request gets 401 JSON. Signed in without
 * every required scope: 403, as JSON `{error: "insufficient_scope", missing}` for an API
 * request and as a page offering to grant the scopes for a browser navigation (GET with
 * `Accept: text/html`). Returns undefined when the request may go on.
 */
export function guard(
  flow: FlowContext,
  request: AuthRequest,
  session: PolarSession | undefined,
  requiredScopes: readonly string[] = [],
): AuthResponse | undefined {
  if (!session) {
    const returnTo = safeReturnTo(request.url, flow.appOrigin);
    const login = new URL(flow.routes.login, flow.appOrigin);
    if (returnTo) login.searchParams.set("returnTo", returnTo.slice(flow.appOrigin.length));
    if (prefersJson(request.headers.accept) || request.method !== "GET") {
      return json(401, { error: "unauthenticated", login: login.pathname + login.search });
    }
    return redirect(login.href);
  }
  const missing = requiredScopes.filter((scope) => !session.scopes.includes(scope));
  if (missing.length > 0) {
    if (request.method === "GET" && acceptsHtml(request.headers.accept)) {
      return insufficientScopePage(flow, request, missing);
    }
    return json(403, { error: "insufficient_scope", missing });
  }
  return undefined;
}

/**
 * A page the signed-in user reached without a scope it needs: 403 with a link that signs in
 * again asking Polar for the missing scopes on top of the configured ones (incremental
 * authorization, `/auth/login?returnTo=…&scope=…`) and comes back to this page. A link, not
 * a redirect: Polar leaves out of the token a scope the client is not registered for, and an
 * automatic redirect would then loop. Scopes Polar does not know get no link.
 */
function insufficientScopePage(
  flow: FlowContext,
  request: AuthRequest,
  missing: readonly string[],
): AuthResponse {
  const grantable = missing.filter(isPolarScope);
  let grantUrl: string | undefined;
  if (grantable.length === missing.length) {
    const login = new URL(flow.routes.login, flow.appOrigin);
    const returnTo = safeReturnTo(request.url, flow.appOrigin);
    if (returnTo) login.searchParams.set("returnTo", returnTo.slice(flow.appOrigin.length));
    login.searchParams.set("scope", grantable.join(" "));
    grantUrl = login.pathname + login.search;
  }
  return html(403, renderInsufficientScopePage({ missing, grantUrl }));
}
