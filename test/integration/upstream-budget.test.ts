import { type Emulator, startEmulator } from "@polar-oauth/emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { budgetViolations, measureUpstreamBudget } from "../bench/budget.js";
import { FRAMEWORKS } from "../support/apps.js";

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ rateLimits: false });
});
afterAll(() => emulator.close());

describe.each(FRAMEWORKS)("upstream call budget through %s", (framework) => {
  it("one token request per login, discovery and JWKS once, no userinfo, one refresh for 50 concurrent expired requests", async () => {
    const budget = await measureUpstreamBudget(emulator, framework, { logins: 3, concurrent: 50 });
    expect(budgetViolations(budget)).toEqual([]);
    expect(budget).toMatchObject({
      logins: 3,
      tokenRequests: 3,
      authorizationCodeGrants: 3,
      discovery: 1,
      jwks: 1,
      userinfo: 0,
      refreshGrants: 1,
      distinctAccessTokens: 1,
      concurrentStatuses: { 200: 50 },
    });
  });
});
