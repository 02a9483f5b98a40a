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
