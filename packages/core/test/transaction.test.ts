import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  createTransactionCookies,
  type LoginTransaction,
  TRANSACTION_TTL_SECONDS,
} from "../src/flow/transaction.js";
import { secret } from "../src/secret.js";
import { createSealer } from "../src/session/seal.js";

const SECRET = "transaction-cookie-secret-0123456789-abcdef";
const sealer = createSealer([secret(SECRET)]);

/** The transaction cookies of an app on http (bare name, callback path) or https (`__Host-`). */
function cookies(secure: boolean) {
  let t = 1_800_000_000_000;
  const transactions = createTransactionCookies({
    sealer,
    baseName: "polar_session",
    callbackPath: "/auth/callback",
    secure,
    now: () => t,
  });
  return { transactions, advance: (ms: number) => (t += ms) };
}

/** The cookie name the kit gives the attempt with this `state`. */
const nameOf = (state: string, prefix = "polar_session_tx_") =>
  `${prefix}${createHash("sha256").update(state).digest("base64url").slice(0, 16)}`;

const transaction: LoginTransaction = {
  purpose: "polar-login",
  state: "state-1",
  nonce: "nonce-1",
  codeVerifier: "verifier-1",
  returnTo: "http://localhost:3000/dashboard",
};

/** The `Cookie` header a browser sends back for a `Set-Cookie`. */
const sentBack = (setCookie: string) => setCookie.split(";")[0]!;

describe("issue: one sealed cookie per attempt", () => {
  it("over http: the bare name, scoped to the callback path, HttpOnly, SameSite=Lax, 10 minutes", async () => {
    const { transactions } = cookies(false);
    const setCookie = await transactions.issue(transaction);
    const [pair, ...attributes] = setCookie.split("; ");
    expect(pair!.startsWith(`${nameOf("state-1")}=`)).toBe(true);
    expect(attributes).toEqual(["Path=/auth/callback", "Max-Age=600", "HttpOnly", "SameSite=Lax"]);
    expect(TRANSACTION_TTL_SECONDS).toBe(600);
  });

  it("over https: a __Host- cookie on Path=/, Secure", async () => {
    const { transactions } = cookies(true);
    const setCookie = await transactions.issue(transaction);
    const [pair, ...attributes] = setCookie.split("; ");
    expect(pair!.startsWith(`${nameOf("state-1", "__Host-polar_session_tx_")}=`)).toBe(true);
    expect(attributes).toEqual(["Path=/", "Max-Age=600", "HttpOnly", "Secure", "SameSite=Lax"]);
  });
});

describe("read: the transaction for this state, or nothing", () => {
  it("gives back what was issued, without the sealed expiry", async () => {
    const { transactions } = cookies(false);
    const header = `a=1; ${sentBack(await transactions.issue(transaction))}`;
    expect(await transactions.read(header, "state-1")).toStrictEqual(transaction);
    expect(transactions.has(header, "state-1")).toBe(true);
  });

  it("expires after 10 minutes on the kit's clock, whatever the seal says", async () => {
    const { transactions, advance } = cookies(false);
    const header = sentBack(await transactions.issue(transaction));
    advance(599_999);
    expect(await transactions.read(header, "state-1")).toStrictEqual(transaction);
    advance(1);
    expect(await transactions.read(header, "state-1")).toBeUndefined();
  });

  it("nothing for another state, or without a cookie", async () => {
    const { transactions } = cookies(false);
    const header = sentBack(await transactions.issue(transaction));
    expect(await transactions.read(header, "state-2")).toBeUndefined();
    expect(transactions.has(header, "state-2")).toBe(false);
    expect(await transactions.read(undefined, "state-1")).toBeUndefined();
    expect(transactions.has(undefined, "state-1")).toBe(false);
  });

  it("nothing for a cookie of that name that is not a seal", async () => {
    const { transactions } = cookies(false);
    const header = `${nameOf("state-1")}=not-a-seal`;
    expect(await transactions.read(header, "state-1")).toBeUndefined();
    expect(transactions.has(header, "state-1")).toBe(true);
  });

  const valid = { ...transaction, expiresAt: 1_800_000_000_000 + 600_000 };
  it.each([
    ["another purpose", { ...valid, purpose: "polar-session" }],
    ["no expiry", { ...valid, expiresAt: undefined }],
    ["an expiry that is not a number", { ...valid, expiresAt: "9999999999999" }],
    ["no state", { ...valid, state: undefined }],
    ["no code verifier", { ...valid, codeVerifier: undefined }],
    ["no returnTo", { ...valid, returnTo: undefined }],
  ])("refuses a seal (even with the secret) with %s", async (_case, value) => {
    const { transactions } = cookies(false);
    const header = `${nameOf("state-1")}=${sealer.sealNow(value, 600)}`;
    expect(await transactions.read(header, "state-1")).toBeUndefined();
    expect(transactions.has(header, "state-1")).toBe(true);
  });
});

describe("clear and clearAbandoned", () => {
  it("clear deletes this attempt's cookie where it was set", () => {
    const expired = "Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly";
    expect(cookies(false).transactions.clear("state-1")).toBe(
      `${nameOf("state-1")}=; Path=/auth/callback; ${expired}; SameSite=Lax`,
    );
    expect(cookies(true).transactions.clear("state-1")).toBe(
      `${nameOf("state-1", "__Host-polar_session_tx_")}=; Path=/; ${expired}; Secure; SameSite=Lax`,
    );
  });

  const attempts = ["s-1", "s-2", "s-3", "s-4", "s-5"].map((state) => nameOf(state));
  const header = (names: string[]) => names.map((name) => `${name}=sealed=value`).join("; ");
  const cleared = (setCookies: string[]) => setCookies.map((c) => c.split("=")[0]);

  it("below 4 other attempts, nothing is cleared", () => {
    const { transactions } = cookies(false);
    expect(transactions.clearAbandoned(header(attempts.slice(0, 3)))).toEqual([]);
    expect(transactions.clearAbandoned(header(attempts.slice(0, 4)), "s-4")).toEqual([]);
    expect(transactions.clearAbandoned(undefined)).toEqual([]);
    expect(transactions.clearAbandoned("a=1; b=2")).toEqual([]);
  });

  it("from 4 other attempts on, all of them are cleared, at the callback all but its own", () => {
    const { transactions } = cookies(false);
    const setCookies = transactions.clearAbandoned(header(attempts.slice(0, 4)));
    expect(cleared(setCookies)).toEqual(attempts.slice(0, 4));
    expect(setCookies[0]).toBe(transactions.clear("s-1"));
    expect(cleared(transactions.clearAbandoned(header(attempts), "s-5"))).toEqual(
      attempts.slice(0, 4),
    );
    expect(cleared(transactions.clearAbandoned(header(attempts)))).toEqual(attempts);
  });

  it("over https, the __Host- attempts are cleared on Path=/", () => {
    const { transactions } = cookies(true);
    const names = ["s-1", "s-2", "s-3", "s-4"].map((s) => nameOf(s, "__Host-polar_session_tx_"));
    const setCookies = transactions.clearAbandoned(`a=1;${names.map((n) => `${n}=x`).join(";")}`);
    expect(setCookies).toEqual(["s-1", "s-2", "s-3", "s-4"].map((s) => transactions.clear(s)));
  });

  it("any 16 base64url characters after the prefix count: letters, digits, '_' and '-'", () => {
    const { transactions } = cookies(false);
    const names = [
      "ABCDEFGHIJKLMNOP",
      "qrstuvwxyzabcdef",
      "0123456789012345",
      "-_-_-_-_-_-_-_-_",
    ].map((suffix) => `polar_session_tx_${suffix}`);
    expect(cleared(transactions.clearAbandoned(header(names)))).toEqual(names);
  });

  it("a name sent twice counts twice but is cleared once", () => {
    const { transactions } = cookies(false);
    const twice = [attempts[0]!, attempts[1]!, attempts[0]!, attempts[1]!];
    expect(cleared(transactions.clearAbandoned(header(twice)))).toEqual(attempts.slice(0, 2));
  });

  it("only names the kit writes count and are echoed back, never the client's odd ones", () => {
    const { transactions } = cookies(false);
    const odd = [
      "polar_session_tx_short",
      "polar_session_tx_0123456789abcdefX",
      'polar_session_tx_"0123456789abcd"',
      "polar_session_tx_0123456789ab,cde",
      "x_polar_session_tx_0123456789abcdef",
      // Another app's attempt on the same host: a prefix of the same length.
      "other_session_tx_0123456789abcdef",
    ];
    expect(transactions.clearAbandoned(header([...odd, ...attempts.slice(0, 3)]))).toEqual([]);
    expect(cleared(transactions.clearAbandoned(header([...odd, ...attempts.slice(0, 4)])))).toEqual(
      attempts.slice(0, 4),
    );
  });
});
