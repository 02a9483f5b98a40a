import * as oidc from "openid-client";
import type { AuthRequest, AuthResponse } from "../http/types.js";
import { type FlowContext, json, prefersJson, redirect } from "./context.js";

/**
 * `POST /auth/logout`: refuses cross-site requests (Origin / Sec-Fetch-Site), revokes the
 * refresh token at Polar for confidential clients (Polar refuses revocation from public
 * clients; revoking either token kills the pair), ends the session (cache, revocation store,
 * cookie) and redirects to `afterLogoutPath`, or answers 204 to a JSON caller.
 */
export async function logout(flow: FlowContext, request: AuthRequest): Promise<AuthResponse> {
  if (!isSameOrigin(flow, request)) {
    return json(403, { error: "forbidden", error_description: "Cross-site logout refused." });
  }
  const current = await flow.sessions.read(request.headers.cookie);
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
  const cookie = await flow.sessions.end(current);
  if (prefersJson(request.headers.accept))
    return { status: 204, headers: { "cache-control": "no-store" }, cookies: [cookie] };
  return redirect(`${flow.appOrigin}${flow.options.afterLogoutPath ?? "/"}`, [cookie], 303);
}

/** A browser request from the app's own origin (or a trusted one), or a non-browser client. */
function isSameOrigin(flow: FlowContext, request: AuthRequest): boolean {
  const origin = request.headers.origin;
  if (origin !== undefined && origin !== "") {
    return origin === flow.appOrigin || (flow.options.trustedOrigins ?? []).includes(origin);
  }
  const site = request.headers["sec-fetch-site"];
  return site === undefined || site === "same-origin" || site === "none";
}
