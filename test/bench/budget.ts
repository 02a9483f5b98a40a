/**
 * The upstream call budget, counted with the emulator's `stats()`: what the kit asks Polar for
 * per sign-in and per refresh. Counts, not timings: `test/integration/upstream-budget.test.ts`
 * asserts them and the benchmark reports them.
 */
import { clearDiscoveryCache } from "@polar-oauth/core";
import type { Emulator } from "@polar-oauth/emulator";
import type { Framework } from "../support/apps.js";
import { signIn, startKit, TEST_SESSION_SECRET, TestBrowser } from "../support/kit.js";

/** What one budget run counted. */
export interface UpstreamBudget {
  framework: Framework;
  logins: number;
  /** Over all logins, starting from a process with no discovered metadata. */
  discovery: number;
  jwks: number;
  tokenRequests: number;
  authorizationCodeGrants: number;
  userinfo: number;
  /** Requests sent at once with an expired access token (one user, one cookie). */
  concurrentExpired: number;
  refreshGrants: number;
  /** Distinct access tokens the concurrent requests received (1 = all shared one refresh). */
  distinctAccessTokens: number;
  /** Status codes the concurrent requests got. */
  concurrentStatuses: Record<number, number>;
}

/**
 * Signs in `logins` times (fresh browser each) through one kit app and reads `/auth/me`, then
 * moves the kit's clock past the access token's expiry and sends `concurrent` requests that
 * need a fresh token at once.
 */
export async function measureUpstreamBudget(
  emulator: Emulator,
  framework: Framework,
  { logins = 3, concurrent = 50 }: { logins?: number; concurrent?: number } = {},
): Promise<UpstreamBudget> {
  let offsetMs = 0;
  const now = () => Date.now() + offsetMs;
  clearDiscoveryCache();
  const kit = await startKit({
    framework,
    emulator,
    config: {
      session: {
        secrets: TEST_SESSION_SECRET,
        idleTimeoutSeconds: 60 * 86_400,
        absoluteTimeoutSeconds: 90 * 86_400,
      },
    },
    options: { now },
  });
  try {
    emulator.resetStats();
    let browser = new TestBrowser();
    let expiresAt = 0;
    for (let i = 0; i < logins; i++) {
      browser = new TestBrowser();
      const { callback } = await signIn(browser, kit);
      if (callback.status !== 302) throw new Error(`callback answered ${callback.status}`);
      const me = await browser.get(`${kit.url}/auth/me`, { accept: "application/json" });
      if (me.status !== 200) throw new Error(`/auth/me answered ${me.status}`);
      expiresAt = ((await me.json()) as { accessTokenExpiresAt: number }).accessTokenExpiresAt;
    }
    const afterLogins = emulator.stats();

    offsetMs = (expiresAt + 120) * 1000 - Date.now();
    emulator.resetStats();
    const answers = await Promise.all(
      Array.from({ length: concurrent }, () =>
        browser.get(`${kit.url}/api/token`, { accept: "application/json" }),
      ),
    );
    const statuses: Record<number, number> = {};
    const tokens = new Set<string>();
    for (const answer of answers) {
      statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
      const body = (await answer.json()) as { accessToken?: string };
      if (body.accessToken) tokens.add(body.accessToken);
    }
    const afterRefresh = emulator.stats();
    return {
      framework,
      logins,
      discovery: afterLogins.requests.discovery,
      jwks: afterLogins.requests.jwks,
      tokenRequests: afterLogins.requests.token,
      authorizationCodeGrants: afterLogins.tokenGrants.authorization_code,
      userinfo: afterLogins.requests.userinfo,
      concurrentExpired: concurrent,
      refreshGrants: afterRefresh.tokenGrants.refresh_token,
      distinctAccessTokens: tokens.size,
      concurrentStatuses: statuses,
    };
  } finally {
    await kit.close();
  }
}

/** Which budget rules a run broke (empty when exact). */
export function budgetViolations(budget: UpstreamBudget): string[] {
  const problems: string[] = [];
  if (budget.authorizationCodeGrants !== budget.logins || budget.tokenRequests !== budget.logins)
    problems.push(
      `${budget.tokenRequests} token requests for ${budget.logins} logins (want exactly 1 each)`,
    );
  if (budget.discovery > 1) problems.push(`discovery fetched ${budget.discovery} times (want ≤ 1)`);
  if (budget.jwks > 1) problems.push(`JWKS fetched ${budget.jwks} times (want ≤ 1)`);
  if (budget.userinfo !== 0) problems.push(`${budget.userinfo} userinfo calls (want 0)`);
  if (budget.refreshGrants !== 1)
    problems.push(
      `${budget.refreshGrants} refreshes for ${budget.concurrentExpired} concurrent requests (want 1)`,
    );
  if (budget.distinctAccessTokens !== 1)
    problems.push(
      `${budget.distinctAccessTokens} distinct access tokens after the refresh (want 1)`,
    );
  if ((budget.concurrentStatuses[200] ?? 0) !== budget.concurrentExpired)
    problems.push(`statuses ${JSON.stringify(budget.concurrentStatuses)} (want all 200)`);
  return problems;
}
