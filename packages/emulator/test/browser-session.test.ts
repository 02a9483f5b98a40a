import { describe, expect, it } from "vitest";
import { BrowserSession } from "../src/index.js";

const app = new URL("http://localhost:3000/auth/callback");

describe("BrowserSession (the one cookie jar: emulator flows and the test browser)", () => {
  it("scopes by path, sends longest paths first, and forgets on Max-Age=0", () => {
    const jar = new BrowserSession();
    jar.store(["site=1; Path=/", "tx=2; Path=/auth/callback; HttpOnly"], app);
    expect(jar.header(app)).toBe("tx=2; site=1");
    expect(jar.header(new URL("http://localhost:3000/dashboard"))).toBe("site=1");
    jar.store(["tx=; Path=/auth/callback; Max-Age=0"], app);
    expect(jar.header(app)).toBe("site=1");
  });

  it("keeps Secure and __Host- cookies on http://localhost, as browsers do", () => {
    const jar = new BrowserSession();
    jar.store(["__Host-s=1; Path=/; Secure; HttpOnly; SameSite=Lax", "plain=2; Path=/"], app);
    expect(jar.header(app)).toBe("__Host-s=1; plain=2");
  });

  it("refuses a __Host- cookie with a Domain, and cookies for other hosts", () => {
    const jar = new BrowserSession();
    jar.store(["__Host-s=1; Path=/; Secure; Domain=localhost", "x=1; Domain=example.com"], app);
    expect(jar.header(app)).toBeUndefined();
  });

  it("clone() is independent; set() replaces a cookie keeping its path", () => {
    const jar = new BrowserSession();
    jar.store(["tx=2; Path=/auth/callback"], app);
    const copy = jar.clone();
    const [tx] = copy.list();
    copy.set({ ...tx!, value: "forged" });
    expect(copy.header(app)).toBe("tx=forged");
    expect(copy.header(new URL("http://localhost:3000/"))).toBeUndefined();
    expect(jar.header(app)).toBe("tx=2");
    jar.clear();
    expect(jar.list()).toEqual([]);
  });
});
