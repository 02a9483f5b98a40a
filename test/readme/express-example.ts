import { polarAuth, requireAuth } from "@polar-oauth/express";
import express from "express";

const app = express();
const auth = polarAuth(); // reads the environment contract (loadPolarConfig)
app.use(auth); // GET /auth/login, GET /auth/callback, POST /auth/logout, GET /auth/me

app.get("/", (req, res) => {
  const user = req.polar.session?.user;
  res.send(user ? `Hello ${user.email}` : `<a href="/auth/login">Sign in with Polar</a>`);
});

app.get("/orders", requireAuth({ scopes: ["orders:read"] }), async (req, res) => {
  // Polar's API as the user (@polar-sh/sdk); the token is refreshed when it expires.
  const orders = await req.polar.api.orders.list({ limit: 10 });
  res.json({ user: req.polar.session?.user, orders: orders.pagination.total_count });
});

await auth.ready; // the startup check: rejects if the redirect URI is not registered exactly
export const server = app.listen(Number(process.env.PORT ?? 3000));
