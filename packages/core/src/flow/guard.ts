import type { AuthRequest, AuthResponse } from "../http/types.js";
import type { PolarSession } from "../session/data.js";
import { type FlowContext, json, prefersJson, redirect } from "./context.js";
import { safeReturnTo } from "./return-to.js";

/**
 * Decides whether a request may reach a protected route. Signed out: a page request is sent
 * to login (coming back to the same path), an API request gets 401 JSON. Signed in without
 * every required scope: 403. Returns undefined when the request may go on.
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
    return json(403, { error: "insufficient_scope", missing });
  }
  return undefined;
}
