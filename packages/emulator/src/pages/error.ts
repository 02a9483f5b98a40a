import { escapeHtml } from "./escape.js";
import { renderPage } from "./layout.js";

/** The page shown instead of redirecting back to the app (unknown client, unregistered redirect_uri, …). */
export function renderErrorPage(input: {
  status: number;
  error: string;
  description?: string;
}): string {
  return renderPage(
    "error",
    "Something went wrong",
    `<h1>This request can't be completed</h1>
<div class="error"><code id="error-code">${escapeHtml(input.error)}</code>
<p id="error-description">${escapeHtml(input.description ?? "")}</p></div>
<p class="muted">HTTP ${escapeHtml(input.status)}. Nothing was sent back to the application.</p>`,
  );
}
