import type { FixtureUser } from "../types.js";
import { escapeHtml } from "./escape.js";
import { renderPage } from "./layout.js";

/** What the login page shows. */
export interface LoginPageInput {
  /** Where the form posts (the interaction's login URL). */
  action: string;
  clientName: string;
  users: FixtureUser[];
}

/** The login step: pick which fixture user you are. Each button names the user and their email. */
export function renderLoginPage(input: LoginPageInput): string {
  const buttons = input.users
    .map(
      (
        user,
      ) => `<button type="submit" class="user" name="user" value="${escapeHtml(user.id)}" data-email="${escapeHtml(user.email)}">
<span class="name">${escapeHtml(user.name)}${user.emailVerified ? "" : '<span class="badge">email not verified</span>'}</span>
<span class="email">${escapeHtml(user.email)}</span>
</button>`,
    )
    .join("\n");
  return renderPage(
    "login",
    "Sign in",
    `<h1>Sign in</h1>
<p>to continue to <strong>${escapeHtml(input.clientName)}</strong>. Pick a fixture user:</p>
<form method="post" action="${escapeHtml(input.action)}" class="stack">
${buttons}
</form>
<p class="muted">This is a local emulator: no password, every user listed is a fixture.</p>`,
  );
}
