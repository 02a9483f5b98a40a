import type { FixtureUser } from "../types.js";
import { escapeHtml } from "./escape.js";
import { renderPage } from "./layout.js";

/** GET /: what this server is, where discovery lives, and the fixture users with their PATs. */
export function renderHomePage(input: {
  origin: string;
  issuer: string;
  users: FixtureUser[];
}): string {
  const discovery = `${input.origin}/.well-known/openid-configuration`;
  const rows = input.users
    .slice(0, 50)
    .map(
      (user) =>
        `<li><span>${escapeHtml(user.name)} <span class="muted">${escapeHtml(user.email)}</span></span><code>${escapeHtml(user.pat)}</code></li>`,
    )
    .join("\n");
  const more =
    input.users.length > 50
      ? `<p class="muted">…and ${input.users.length - 50} more users.</p>`
      : "";
  return renderPage(
    "home",
    "Polar emulator",
    `<h1>Polar OAuth emulator</h1>
<p>An offline, Polar-compatible OAuth 2.0 / OpenID Connect server for development and tests.</p>
<p>Discovery: <a href="${escapeHtml(discovery)}">${escapeHtml(discovery)}</a><br>
<span class="muted">issuer: ${escapeHtml(input.issuer)}</span></p>
<h1>Fixture users</h1>
<ul class="scopes">
${rows}
</ul>
${more}`,
  );
}
