import type { InteractionDetails, KoaContext } from "oidc-provider";
import type { EmulatorEnv } from "../emulator-env.js";
import { mediaType, parseForm, readBody } from "../http-utils.js";
import { renderConsentPage } from "../pages/consent.js";
import { renderErrorPage } from "../pages/error.js";
import { renderLoginPage } from "../pages/login.js";
import { PAGE_CSP, ROUTES } from "../provider.js";
import { splitScope } from "../scopes.js";

function sendPage(ctx: KoaContext, status: number, html: string): void {
  ctx.status = status;
  ctx.type = "html";
  ctx.set("Cache-Control", "no-store");
  ctx.set("Content-Security-Policy", PAGE_CSP);
  ctx.body = html;
}

function sendErrorPage(ctx: KoaContext, status: number, error: string, description: string): void {
  sendPage(ctx, status, renderErrorPage({ status, error, description }));
}

function redirectSeeOther(ctx: KoaContext, location: string): void {
  ctx.redirect(location);
  ctx.status = 303;
}

async function loadInteraction(
  ctx: KoaContext,
  env: EmulatorEnv,
  uid: string,
): Promise<InteractionDetails | undefined> {
  let details: InteractionDetails;
  try {
    details = await env.provider.interactionDetails(ctx.req, ctx.res);
  } catch {
    sendErrorPage(
      ctx,
      400,
      "invalid_request",
      "This sign-in session has expired or its cookie is missing. Start again from the application.",
    );
    return undefined;
  }
  if (details.uid !== uid) {
    sendErrorPage(
      ctx,
      400,
      "invalid_request",
      "This page belongs to another sign-in attempt. Start again from the application.",
    );
    return undefined;
  }
  return details;
}

function subTypeOf(details: InteractionDetails): "user" | "organization" {
  return details.params.sub_type === "organization" ? "organization" : "user";
}

function renderLogin(
  ctx: KoaContext,
  env: EmulatorEnv,
  details: InteractionDetails,
  status = 200,
): void {
  const client = env.clients.get(details.params.client_id ?? "");
  sendPage(
    ctx,
    status,
    renderLoginPage({
      action: `${ROUTES.interaction}/${details.uid}/login`,
      clientName: client?.metadata.client_name ?? "the application",
      users: env.fixtures.users,
    }),
  );
}

function renderConsent(
  ctx: KoaContext,
  env: EmulatorEnv,
  details: InteractionDetails,
  problem?: string,
  status = 200,
): void {
  const client = env.clients.get(details.params.client_id ?? "");
  const user = env.fixtures.user(details.session?.accountId ?? "");
  if (!client || !user) {
    sendErrorPage(
      ctx,
      400,
      "invalid_request",
      "The application or the signed-in user no longer exists.",
    );
    return;
  }
  sendPage(
    ctx,
    status,
    renderConsentPage({
      action: `${ROUTES.interaction}/${details.uid}/consent`,
      client: client.metadata,
      user,
      organizations: env.fixtures.organizationsOf(user),
      scopes: splitScope(details.params.scope),
      subType: subTypeOf(details),
      problem,
    }),
  );
}

async function readForm(ctx: KoaContext): Promise<Record<string, string>> {
  const body = await readBody(ctx.req);
  return mediaType(ctx) === "application/x-www-form-urlencoded" ? parseForm(body) : {};
}

async function submitLogin(
  ctx: KoaContext,
  env: EmulatorEnv,
  details: InteractionDetails,
): Promise<void> {
  const form = await readForm(ctx);
  const user = form.user ? env.fixtures.user(form.user) : undefined;
  if (!user) return renderLogin(ctx, env, details, 400);
  const returnTo = await env.provider.interactionResult(
    ctx.req,
    ctx.res,
    { login: { accountId: user.id } },
    { mergeWithLastSubmission: false },
  );
  redirectSeeOther(ctx, returnTo);
}

async function submitConsent(
  ctx: KoaContext,
  env: EmulatorEnv,
  details: InteractionDetails,
): Promise<void> {
  const form = await readForm(ctx);
  if (form.decision === "deny") {
    const returnTo = await env.provider.interactionResult(
      ctx.req,
      ctx.res,
      { error: "access_denied", error_description: "The resource owner denied the request" },
      { mergeWithLastSubmission: false },
    );
    return redirectSeeOther(ctx, returnTo);
  }
  if (form.decision !== "allow")
    return renderConsent(ctx, env, details, "Choose Allow or Deny.", 400);

  const accountId = details.session?.accountId;
  const user = env.fixtures.user(accountId ?? "");
  const clientId = details.params.client_id;
  if (!accountId || !user || !clientId) return renderConsent(ctx, env, details);

  // Polar's consent form posts `organizations`; sub_type=organization needs exactly one of the
  // user's (`_resolve_organization_ids`), a user sign-in selects none: every organization.
  let downScope: string[] = [];
  if (subTypeOf(details) === "organization") {
    const org = env.fixtures
      .organizationsOf(user)
      .find((candidate) => candidate.id === form.organizations);
    if (!org)
      return renderConsent(ctx, env, details, "Choose exactly one organization to continue.", 400);
    downScope = [org.id];
  }

  const grant = new env.provider.Grant({ accountId, clientId });
  if (details.params.scope) grant.addOIDCScope(details.params.scope);
  const grantId = await grant.save();
  env.store.setDownScope(grantId, downScope);
  env.store.rememberConsent(accountId, clientId, details.params.scope ?? "");
  const returnTo = await env.provider.interactionResult(
    ctx.req,
    ctx.res,
    { consent: { grantId } },
    { mergeWithLastSubmission: true },
  );
  redirectSeeOther(ctx, returnTo);
}

/** The login and consent pages: GET /oauth2/interaction/:uid, POST …/:uid/login and …/:uid/consent. */
export async function handleInteraction(
  ctx: KoaContext,
  env: EmulatorEnv,
  rest: string,
): Promise<void> {
  const [uid = "", step, ...extra] = rest.split("/");
  if (!uid || extra.length > 0)
    return sendErrorPage(ctx, 404, "not_found", "There is no such page.");
  const expectedMethod = step === undefined ? "GET" : "POST";
  if (
    ctx.method !== expectedMethod ||
    (step !== undefined && step !== "login" && step !== "consent")
  ) {
    return sendErrorPage(
      ctx,
      step === undefined ? 405 : 404,
      "invalid_request",
      "There is no such page.",
    );
  }
  const details = await loadInteraction(ctx, env, uid);
  if (!details) return;
  const prompt = details.prompt.name;
  if (step === undefined) {
    if (prompt === "login") return renderLogin(ctx, env, details);
    if (prompt === "consent") return renderConsent(ctx, env, details);
    return sendErrorPage(ctx, 400, "invalid_request", `Unsupported interaction "${prompt}".`);
  }
  if (step !== prompt) {
    return sendErrorPage(
      ctx,
      400,
      "invalid_request",
      "This form no longer matches the sign-in step. Go back and reload.",
    );
  }
  return step === "login" ? submitLogin(ctx, env, details) : submitConsent(ctx, env, details);
}
