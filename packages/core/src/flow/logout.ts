import * as oidc from "openid-client";
import type { AuthRequest, AuthResponse } from "../http/types.js";
import { type FlowContext, json, prefersJson, redirect } from "./context.js";

/**
 * `POST /auth/logout`: refuses cross-site requests (Origin / Sec-Fetch-Site), opens the session
 * cookie without the revocation check (logout needs its id and tokens, not permission: it must
 * work while the revocation store is down), revokes the refresh token at Polar for
 * confidential clients (Polar refuses revocation from public clients; revoking either token
 * kills the pair), ends the session (cache, revocation store, cookie) and redirects to
 * `afterLogoutPath`, or answers 204 to a JSON caller.
 *
 * With a revocation store the answer carries `Polar-Revocation: revoked | pending | failed`;
 * when it is not `revoked`, a JSON caller gets 202 with `{ revocation, error_description }`
 * instead of 204 (pending: the store retries until every instance refuses the session;
 * failed: copies of the cookie stay valid until they expire). The log says so too.
 */
export async function logout(flow: FlowContext, request: AuthRequest): Promise<AuthResponse> {
  if (!isSameOrigin(flow, request)) {
    return json(403, { error: "forbidden", error_description: "Cross-site logout refused." });
  }
  const current = flow.sessions.open(request.headers.cookie);
  const refreshToken = current?.data.refreshToken;
  if (refreshToken && flow.config.authMethod !== "none") {
    try {
      const configuration = await flow.client();
      await oidc.tokenRevocation(configuration, refreshToken, { token_type_hint: "refresh_token" });
    } catch (error) {
      flow.logger.warn(
        `refresh token revocation at Polar failed (${(error as { code?: string }).code ?? (error as Error).name}); the session is cleared anyway.`,
      );
    }
  }
  const { setCookie, revocation } = await flow.sessions.signOut(current);
  const reported: Record<string, string> =
    revocation === "none" ? {} : { "polar-revocation": revocation };
  if (prefersJson(request.headers.accept)) {
    if (revocation === "pending" || revocation === "failed") {
      const answer = json(202, { revocation, error_description: UNFINISHED[revocation] }, [
        setCookie,
      ]);
      return { ...answer, headers: { ...answer.headers, ...reported } };
    }
    return {
      status: 204,
      headers: { "cache-control": "no-store", ...reported },
      cookies: [setCookie],
    };
  }
  const answer = redirect(
    `${flow.appOrigin}${flow.options.afterLogoutPath ?? "/"}`,
    [setCookie],
    303,
  );
  return { ...answer, headers: { ...answer.headers, ...reported } };
}

/** What a JSON caller is told when the revocation did not reach every instance. */
const UNFINISHED = {
  pending:
    "Signed out here. The session's revocation is not written for every instance yet; the store retries until it is.",
  failed:
    "Signed out here, but the revocation store failed: copies of this session's cookie stay valid until they expire.",
} as const;

/** A browser request from the app's own origin (or a trusted one), or a non-browser client. */
function isSameOrigin(flow: FlowContext, request: AuthRequest): boolean {
  const origin = request.headers.origin;
  if (origin !== undefined && origin !== "") {
    return origin === flow.appOrigin || (flow.options.trustedOrigins ?? []).includes(origin);
  }
  const site = request.headers["sec-fetch-site"];
  return site === undefined || site === "same-origin" || site === "none";
}
