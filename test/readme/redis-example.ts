import { polarAuth, requireAuth } from "@polar-oauth/express";
import { createRedisStore } from "@polar-oauth/redis";
import express from "express";

// Revocation, refresh coordination and replay protection, shared by every instance.
export const store = createRedisStore({ url: process.env.REDIS_URL, prefix: "my-app:" });
await store.ready; // connected, revocation mirror loaded

const app = express();
const auth = polarAuth(undefined, { store }); // config from the environment contract
app.use(auth);

app.get("/", (req, res) => {
  const user = req.polar.session?.user;
  res.send(user ? `Hello ${user.email}` : `<a href="/auth/login">Sign in with Polar</a>`);
});

app.get("/orders", requireAuth({ scopes: ["orders:read"] }), async (req, res) => {
  // One refresh at Polar per refresh token, whichever instances the requests reach.
  const orders = await req.polar.api.orders.list({ limit: 10 });
  res.json({ user: req.polar.session?.user, orders: orders.pagination.total_count });
});

await auth.ready;
export const server = app.listen(Number(process.env.PORT ?? 3000));
