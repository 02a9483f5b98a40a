import type { PolarSession } from "@polar-oauth/express";
import escapeHtml from "escape-html";
import type { DashboardData, Listing } from "./polar-data.js";

const layout = (title: string, body: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#1f2328}
.button{display:inline-block;padding:.6rem 1.2rem;border:0;border-radius:6px;background:#0062ff;color:#fff;font:inherit;text-decoration:none;cursor:pointer}
dt{font-weight:600}.notice{background:#fff8c5;padding:.5rem .8rem;border-radius:6px}code{background:#f3f4f6;padding:.1rem .3rem;border-radius:4px}</style>
</head><body><main>${body}</main></body></html>`;

/** The home page: a sign-in button, or a link to the dashboard when signed in. */
export function homePage(session: PolarSession | undefined, error?: string): string {
  const notice = error ? `<p role="alert">Sign-in failed: ${escapeHtml(error)}</p>` : "";
  const action = session
    ? `<p>Signed in as ${escapeHtml(session.user.email ?? session.user.sub)}.</p><a class="button" href="/dashboard">Open the dashboard</a>`
    : `<a class="button" href="/auth/login?returnTo=/dashboard">Sign in with Polar</a>`;
  return layout("Polar OAuth example", `<h1>Polar OAuth example</h1>${notice}${action}`);
}

/** The organization an organization sign-in was limited to (its name when the kit could read it). */
function organization(session: PolarSession): string {
  if (session.subType !== "organization") return "";
  const org = session.organization;
  const shown = org
    ? `${escapeHtml(org.name ?? org.id)}${org.slug ? ` <code id="organization-slug">${escapeHtml(org.slug)}</code>` : ""}`
    : "(unknown: a public client needs the organizations:read scope to learn it)";
  return `<dt>Organization</dt><dd id="organization" data-id="${escapeHtml(org?.id ?? "")}">${shown}</dd>
`;
}

/** A list from Polar's API, or the notice that says which scope is missing. */
function listing<T>(id: string, list: Listing<T>, line: (item: T) => string): string {
  if ("notice" in list)
    return `<p id="${id}" class="notice" role="status">${escapeHtml(list.notice)}</p>`;
  if (list.items.length === 0) return `<p id="${id}">None.</p>`;
  return `<ul id="${id}">${list.items.map((item) => `<li>${line(item)}</li>`).join("")}</ul>`;
}

/** What the dashboard read from Polar's API through `polar.api`. */
function fromPolar(data: DashboardData): string {
  const organizations = listing(
    "organizations",
    data.organizations,
    (org) => `${escapeHtml(org.name)} <code>${escapeHtml(org.slug)}</code>`,
  );
  const products = data.products
    ? `<h2>Products</h2>${listing("products", data.products, (p) => `${escapeHtml(p.name)}: ${escapeHtml(p.price)}`)}`
    : "";
  return `<h2>Your organizations</h2>${organizations}${products}`;
}

/** The protected dashboard: who is signed in, what was granted, what Polar's API says, and a sign-out button. */
export function dashboardPage(session: PolarSession, data: DashboardData): string {
  return layout(
    "Dashboard",
    `<h1>Dashboard</h1>
<dl>
<dt>Email</dt><dd id="email">${escapeHtml(session.user.email ?? "(not shared)")}</dd>
<dt>Polar subject</dt><dd><code id="sub">${escapeHtml(session.user.sub)}</code></dd>
<dt>Subject type</dt><dd id="sub-type">${escapeHtml(session.subType)}</dd>
${organization(session)}<dt>Scopes</dt><dd id="scopes">${escapeHtml(session.scopes.join(" "))}</dd>
</dl>
${fromPolar(data)}
<p><a href="/api/polar/organizations">Your organizations as JSON</a> ·
<a href="/api/polar/userinfo">Call Polar's userinfo with your access token</a></p>
<form method="post" action="/auth/logout"><button class="button" type="submit">Sign out</button></form>`,
  );
}

/** The app's logo, shown on Polar's consent screen (registered as `logo_uri`). */
export const LOGO_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" rx="14" fill="#0062ff"/><path d="M20 44V20h14a8 8 0 0 1 0 16H26v8" fill="none" stroke="#fff" stroke-width="5" stroke-linecap="round" stroke-linejoin="round"/></svg>`;
