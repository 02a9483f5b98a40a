import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const BIN = fileURLToPath(new URL("../bin/polar-emulator.js", import.meta.url));

// What the banner says about the fixture users' personal access tokens is what the emulator
// does (and Polar: `auth/dependencies.py` `_web_user_or_anonymous` refuses API tokens on client
// management), and the command it suggests names this emulator's URL.
it("the banner says PATs are refused on client management, and they are; it shows the npx bootstrap form", async () => {
  const child = spawn(process.execPath, [BIN, "--port", "0", "--no-rate-limits"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  try {
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      output += chunk;
    });
    for (let i = 0; i < 400 && !output.includes("Press Ctrl+C"); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const url = /listening on (http:\/\/[^\s]+)/.exec(output)?.[1];
    expect(url).toBeDefined();
    expect(output).toContain("refused on client management (403 NotPermitted");
    expect(output).toContain(
      `npx polar-oauth bootstrap --server ${url} --name "My app (dev)" --redirect-uri http://localhost:3000/auth/callback`,
    );
    const pat = /alice@example\.com\s+(polar_pat_\w+)/.exec(output)?.[1];
    expect(pat).toBeDefined();
    for (const [method, path] of [
      ["POST", "/v1/oauth2/register"],
      ["GET", "/v1/oauth2/"],
    ] as const) {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${pat}`, "content-type": "application/json" },
        ...(method === "POST"
          ? { body: JSON.stringify({ client_name: "x", redirect_uris: ["http://localhost/cb"] }) }
          : {}),
      });
      expect({ path, status: response.status, body: await response.json() }).toEqual({
        path,
        status: 403,
        body: { error: "NotPermitted", detail: "Not permitted" },
      });
    }
  } finally {
    child.kill("SIGTERM");
  }
}, 30_000);
