import {
  getServerMetadata,
  loadPolarConfig,
  type PolarConfig,
  PolarError,
  PolarSessionEndedError,
} from "@polar-oauth/core";
import { polarAuth, requireAuth } from "@polar-oauth/express";
import { createRedisStore, type RedisStore } from "@polar-oauth/redis";
import express from "express";
import { dashboardPage, homePage, LOGO_SVG } from "./pages.js";
import { dashboardData, organizationsAnswer } from "./polar-data.js";

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

// The dashboard reads Polar's API as the signed-in user through `req.polar.api`.
app.get("/dashboard", requireAuth(), async (req, res, next) => {
  try {
    res.send(dashboardPage(req.polar.session!, await dashboardData(req.polar)));
  } catch (error) {
    if (error instanceof PolarSessionEndedError) res.redirect("/auth/login?returnTo=/dashboard");
    else next(error);
  }
});

// The user's organizations as JSON, fetched with `req.polar.api.organizations.list()`.
app.get("/api/polar/organizations", requireAuth(), async (req, res) => {
  const { status, body } = await organizationsAnswer(req.polar);
  res.status(status).json(body);
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
