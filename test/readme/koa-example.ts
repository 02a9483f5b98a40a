import { polarAuth, requireAuth } from "@polar-oauth/koa";
import Koa from "koa";

const app = new Koa();
const auth = polarAuth(); // reads the environment contract (loadPolarConfig)
app.use(auth); // GET /auth/login, GET /auth/callback, POST /auth/logout, GET /auth/me

const ordersOnly = requireAuth({ scopes: ["orders:read"] });
app.use(async (ctx, next) => {
  if (ctx.path === "/") {
    const user = ctx.state.polar.session?.user;
    ctx.body = user ? `Hello ${user.email}` : `<a href="/auth/login">Sign in with Polar</a>`;
  } else if (ctx.path === "/orders") {
    await ordersOnly(ctx, async () => {
      // Polar's API as the user (@polar-sh/sdk); the token is refreshed when it expires.
      const orders = await ctx.state.polar.api.orders.list({ limit: 10 });
      ctx.body = { user: ctx.state.polar.session?.user, orders: orders.pagination.total_count };
    });
  } else {
    await next();
  }
});

await auth.ready; // the startup check: rejects if the redirect URI is not registered exactly
export const server = app.listen(Number(process.env.PORT ?? 3000));
