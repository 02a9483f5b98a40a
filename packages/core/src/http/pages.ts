import escapeHtml from "escape-html";

/** A small self-contained page telling the user sign-in failed, why, and how to retry. */
export function renderLoginErrorPage(options: {
  reason: string;
  code: string;
  retryUrl: string;
}): string {
  const reason = escapeHtml(options.reason);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Sign-in failed</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#1f2328}
h1{font-size:1.4rem}code{background:#f3f4f6;padding:.1rem .3rem;border-radius:4px}
a.button{display:inline-block;margin-top:1rem;padding:.5rem 1rem;border-radius:6px;background:#0062ff;color:#fff;text-decoration:none}</style>
</head><body><main>
<h1>Sign-in with Polar failed</h1>
<p id="reason">${reason}</p>
<p><small>Code: <code>${escapeHtml(options.code)}</code></small></p>
<a class="button" href="${escapeHtml(options.retryUrl)}">Try again</a>
</main></body></html>`;
}

/**
 * The page for a signed-in user who lacks a scope the page needs: which scopes, and a link
 * that signs in again asking Polar for them (none when a scope is not one Polar knows: then
 * only the app's developer can help).
 */
export function renderInsufficientScopePage(options: {
  missing: readonly string[];
  grantUrl: string | undefined;
}): string {
  const scopes = options.missing.map((scope) => `<code>${escapeHtml(scope)}</code>`).join(", ");
  const action = options.grantUrl
    ? `<p>Sign in with Polar again to grant it; you come back to this page afterwards.</p>
<a class="button" href="${escapeHtml(options.grantUrl)}">Grant access on Polar</a>`
    : "<p>This app cannot ask Polar for it: please tell the app's developer.</p>";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>More access needed</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#1f2328}
h1{font-size:1.4rem}code{background:#f3f4f6;padding:.1rem .3rem;border-radius:4px}
a.button{display:inline-block;margin-top:1rem;padding:.5rem 1rem;border-radius:6px;background:#0062ff;color:#fff;text-decoration:none}</style>
</head><body><main>
<h1>More access needed</h1>
<p id="missing">This page needs a permission your sign-in did not grant: ${scopes}.</p>
${action}
<p><small>Code: <code>INSUFFICIENT_SCOPE</code></small></p>
</main></body></html>`;
}
