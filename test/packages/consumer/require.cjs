// CommonJS: require() of the ESM-only packages works on Node >= 20.19 (their engines), and gives
// the very module instance import() gives (so no dual-package hazard: one PolarError class).
const assert = require("node:assert/strict");
const express = require("express");
const polar = require("@polar-oauth/express");
const core = require("@polar-oauth/core");

assert.equal(typeof polar.polarAuth, "function");
assert.equal(typeof polar.requireAuth, "function");
assert.equal(typeof polar.requireScopes, "function");
const config = core.loadPolarConfig({
  ENVIRONMENT: "development",
  POLAR_SERVER: "http://127.0.0.1:9",
  POLAR_CLIENT_ID: "polar_ci_consumer",
  POLAR_CLIENT_SECRET: "polar_cs_consumer",
  POLAR_REDIRECT_URI: "http://localhost:3000/auth/callback",
  SESSION_SECRET: "a-session-secret-of-at-least-32-characters!!",
});
const auth = polar.polarAuth(config);
auth.ready.catch(() => {}); // nothing listens on port 9: the startup check fails, unawaited here
const app = express();
app.use(auth);
app.get("/dashboard", polar.requireAuth(), (_req, res) => res.send("secret"));
assert.equal(typeof app.listen, "function");

import("@polar-oauth/express").then((esm) => {
  assert.equal(esm.polarAuth, polar.polarAuth, "require() and import() share one module");
  console.log(`  require("@polar-oauth/express"): ${Object.keys(polar).join(", ")}`);
  process.exit(0);
});
