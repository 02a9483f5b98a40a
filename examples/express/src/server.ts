import {
  getServerMetadata,
  loadPolarConfig,
  type PolarConfig,
  PolarError,
} from "@polar-oauth/core";
import { polarAuth, requireAuth } from "@polar-oauth/express";
import { createRedisStore, type RedisStore } from "@polar-oauth/redis";
import express from "express";
import { dashboardPage, homePage, LOGO_SVG } from "./pages.js";

/** A configuration mistake or a failed startup check ends here: one clear line, no stack. */
function notStarting(error: unknown): never {
  console.error(`Not starting: ${(error as Error).message}`);
  process.exit(1);
}

let config: PolarConfig;
// With REDIS_URL set, every instance of this app shares sign-in state through Redis
// (revocation, refresh, replay protection): run as many as you like behind a load balancer.
let store: RedisStore | undefined;
try {
  config = loadPolarConfig();
  store = process.env.REDIS_URL ? createRedisStore() : undefined;
} catch (error) {
  notStarting(error);
}
await store?.ready.catch(notStarting);
const auth = polarAuth(config, { loginErrorPath: "/", store });
const app = express();
app.use(auth);

app.get("/", (req, res) => {
  res.send(homePage(req.polar.session, req.query.error_description as string | undefined));
});

app.get("/logo.svg", (_req, res) => {
  res.type("image/svg+xml").send(LOGO_SVG);
});

app.get("/dashboard", requireAuth(), (req, res) => {
  res.send(dashboardPage(req.polar.session!));
});

// An API route that uses the user's access token (refreshed when needed) to call Polar.
app.get("/api/polar/userinfo", requireAuth(), async (req, res) => {
  try {
    const { userinfo_endpoint } = await getServerMetadata(config.server);
    const answer = await fetch(userinfo_endpoint!, {
      headers: { authorization: `Bearer ${await req.polar.getAccessToken()}` },
    });
    res.status(answer.status).json(await answer.json());
  } catch (error) {
    const code = error instanceof PolarError ? error.code : "UNEXPECTED";
    const status = code === "SESSION_ENDED" ? 401 : code === "STORE_UNAVAILABLE" ? 503 : 502;
    res.status(status).json({ error: code });
  }
});

await auth.ready.catch(notStarting);
const port = Number(process.env.PORT ?? 3000);
app.listen(port, () => {
  console.log(`Express example listening on http://localhost:${port}`);
});
