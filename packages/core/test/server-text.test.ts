import { afterEach, expect, it } from "vitest";
import { PolarApiError } from "../src/errors.js";
import { getClient } from "../src/registration/api.js";
import { type LocalServer, startLocalServer } from "./support/local-server.js";

let server: LocalServer | undefined;
afterEach(() => server?.close());

it("puts no credential-shaped text, control character or essay from Polar into an error", async () => {
  server = await startLocalServer(() => ({
    status: 401,
    body: {
      error: "invalid_client<script>",
      error_description: `token polar_crt_abcDEF123 is wrong for polar_ci_123\n\r${"x".repeat(500)}`,
    },
  }));
  const error = (await getClient("polar_ci_123", {
    server: server.url,
    registrationAccessToken: "polar_crt_abcDEF123",
  }).catch((e: unknown) => e)) as PolarApiError;
  expect(error).toBeInstanceOf(PolarApiError);
  expect(error.error).toBe("error");
  expect(error.message).not.toContain("polar_crt_abcDEF123");
  expect(error.message).toContain("[redacted] is wrong for polar_ci_123");
  expect(error.message).not.toMatch(/[\n\r]/);
  expect(error.message.length).toBeLessThan(320);
});
