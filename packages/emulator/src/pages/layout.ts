import { escapeHtml } from "./escape.js";

/** The kinds of page `completeAuthorization` recognises (from a `<meta name="polar-emulator-page">`). */
export type PageKind = "login" | "consent" | "error" | "home";

const STYLE = `
*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;
  font:15px/1.5 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;
  background:#f3f4f7;color:#17181c}
main{width:100%;max-width:440px;margin:24px;background:#fff;border-radius:16px;
  box-shadow:0 1px 2px rgba(0,0,0,.06),0 8px 24px rgba(0,0,0,.06);padding:32px}
.brand{display:flex;align-items:center;gap:8px;font-weight:600;margin-bottom:24px}
.brand .dot{width:22px;height:22px;border-radius:50%;background:#0062ff}
.brand .tag{margin-left:auto;font-size:12px;font-weight:500;color:#6b6f7b;background:#f0f1f4;
  border-radius:999px;padding:2px 10px}
h1{font-size:20px;margin:0 0 6px}
p{margin:0 0 16px;color:#4a4d57}
.muted{color:#6b6f7b;font-size:13px}
.stack{display:flex;flex-direction:column;gap:8px;margin:16px 0}
button{font:inherit;cursor:pointer;border-radius:10px;padding:10px 16px;border:1px solid #d9dbe1;
  background:#fff;color:#17181c}
button:hover{border-color:#0062ff}
button.primary{background:#0062ff;border-color:#0062ff;color:#fff}
button.primary:hover{background:#0052d6}
button:disabled{opacity:.5;cursor:not-allowed}
.user{display:flex;flex-direction:column;align-items:flex-start;text-align:left;width:100%}
.user .name{font-weight:600}
.user .email{color:#6b6f7b;font-size:13px}
.badge{display:inline-block;font-size:11px;color:#9a3412;background:#ffedd5;border-radius:999px;padding:0 8px;margin-left:6px}
.app{display:flex;align-items:center;gap:12px;margin-bottom:16px}
.app img{width:48px;height:48px;border-radius:12px;object-fit:cover;background:#f0f1f4}
ul.scopes{list-style:none;padding:0;margin:0 0 16px;border:1px solid #eceef2;border-radius:12px}
ul.scopes li{padding:8px 12px;border-top:1px solid #eceef2;display:flex;justify-content:space-between;gap:12px}
ul.scopes li:first-child{border-top:0}
ul.scopes code{color:#6b6f7b;font-size:12px}
fieldset{border:1px solid #eceef2;border-radius:12px;padding:8px 12px;margin:0 0 16px}
legend{font-weight:600;padding:0 4px}
label.org{display:flex;gap:8px;align-items:center;padding:6px 0}
.actions{display:flex;gap:8px;justify-content:flex-end}
.links{display:flex;gap:16px;margin-top:20px;font-size:13px}
a{color:#0062ff}
.error{border-left:3px solid #dc2626;padding:8px 12px;background:#fef2f2;border-radius:8px;margin-bottom:16px}
.error code{font-weight:600}
`;

/** A complete HTML document in the emulator's look; `body` must already be escaped. */
export function renderPage(kind: PageKind, title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="polar-emulator-page" content="${kind}">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)} · Polar emulator</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<div class="brand"><span class="dot"></span>Polar<span class="tag">local emulator</span></div>
${body}
</main>
</body>
</html>`;
}
