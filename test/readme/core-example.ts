import { createServer } from "node:http";
import { createPolarAuth, keepSessionResponsePrivate, loadPolarConfig } from "@polar-oauth/core";

// The framework-free kit: an adapter only converts requests and responses.
const auth = createPolarAuth(loadPolarConfig());
await auth.ready; // the startup check

export const server = createServer(async (req, res) => {
  const request = { method: req.method ?? "GET", url: req.url ?? "/", headers: req.headers };
  const answer = await auth.handle(request); // /auth/login, the callback, /auth/logout, /auth/me
  if (answer) {
    res.writeHead(answer.status, { ...answer.headers, "set-cookie": answer.cookies });
    res.end(answer.body);
    return;
  }
  const polar = await auth.context(request, (cookie) => {
    res.appendHeader("set-cookie", cookie);
    keepSessionResponsePrivate(res); // leaves with "Cache-Control: private, no-store"
  });
  res.end(polar.session ? `Hello ${polar.session.user.email}` : "Signed out");
}).listen(Number(process.env.PORT ?? 3000));
