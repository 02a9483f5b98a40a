import escapeHtmlText from "escape-html";

/** Escapes text for HTML element content and quoted attribute values (`escape-html`, as core's error page). */
export function escapeHtml(value: unknown): string {
  return escapeHtmlText(String(value ?? ""));
}

/** The URL if it is an absolute http(s) URL (safe for href/src), otherwise undefined. */
export function safeHttpUrl(value: string | undefined): string | undefined {
  if (!value) return undefined;
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : undefined;
  } catch {
    return undefined;
  }
}
