import {
  getServerMetadata,
  loadPolarConfig,
  type PolarConfig,
  PolarError,
  PolarSessionEndedError,
} from "@polar-oauth/core";
import { polarAuth, requireAuth } from "@polar-oauth/koa";
import { createRedisStore, type RedisStore } from "@polar-oauth/redis";
import Koa from "koa";
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
const protect = requireAuth();
const app = new Koa();
app.use(auth);

app.use(async (ctx, next) => {
  const { session } = ctx.state.polar;
  if (ctx.path === "/") {
    ctx.body = homePage(session, ctx.query.error_description as string | undefined);
  } else if (ctx.path === "/logo.svg") {
    ctx.type = "image/svg+xml";
    ctx.body = LOGO_SVG;
  } else if (ctx.path === "/dashboard") {
    // The dashboard reads Polar's API as the signed-in user through `ctx.state.polar.api`.
    await protect(ctx, async () => {
      try {
        const data = await dashboardData(ctx.state.polar);
        ctx.body = dashboardPage(ctx.state.polar.session!, data);
      } catch (error) {
        if (!(error instanceof PolarSessionEndedError)) throw error;
        ctx.redirect("/auth/login?returnTo=/dashboard");
      }
    });
  } else if (ctx.path === "/api/polar/organizations") {
    // The user's organizations as JSON, fetched with `ctx.state.polar.api.organizations.list()`.
    await protect(ctx, async () => {
      const { status, body } = await organizationsAnswer(ctx.state.polar);
      ctx.status = status;
      ctx.body = body;
    });
  } else if (ctx.path === "/api/polar/userinfo") {
    // Uses the user's access token (refreshed when needed) to call Polar.
    await protect(ctx, async () => {
      try {
        const { userinfo_endpoint } = await getServerMetadata(config.server);
        const answer = await fetch(userinfo_endpoint!, {
          headers: { authorization: `Bearer ${await ctx.state.polar.getAccessToken()}` },
        });
        ctx.status = answer.status;
        ctx.body = await answer.json();
      } catch (error) {
        const code = error instanceof PolarError ? error.code : "UNEXPECTED";
        ctx.status = code === "SESSION_ENDED" ? 401 : code === "STORE_UNAVAILABLE" ? 503 : 502;
        ctx.body = { error: code };
      }
    });
  } else {
    await next();
  }
});

await auth.ready.catch(notStarting);
const port = Number(process.env.PORT ?? 3000);
app.listen(port, () => {
  console.log(`Koa example listening on http://localhost:${port}`);
});
