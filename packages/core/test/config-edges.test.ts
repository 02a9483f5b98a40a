/** Config edges the mutation run found untested: an empty redirect URI, a server name with spaces. */
import { describe, expect, it } from "vitest";
import { definePolarConfig } from "../src/config/define.js";
import type { PolarConfigInput } from "../src/config/schema.js";
import { POLAR_SERVERS } from "../src/server/polar-servers.js";
import { configErrorOf } from "./support/config-error.js";

const MINIMAL = {
  clientId: "polar_ci_dev",
  redirectUri: "http://localhost:3000/auth/callback",
} satisfies PolarConfigInput;

describe("definePolarConfig edges", () => {
  it("an empty redirect URI is one issue (missing), not also a malformed URL", () => {
    const error = configErrorOf(() => definePolarConfig({ ...MINIMAL, redirectUri: "" }));
    expect(error.issues.filter((i) => i.variable === "redirectUri")).toHaveLength(1);
    expect(error.issues.map((i) => i.problem).join(" ")).not.toContain("not an absolute URL");
  });

  it("a server name with spaces around it is read without them", () => {
    const config = definePolarConfig({ ...MINIMAL, server: " sandbox " });
    expect(config.server).toEqual(POLAR_SERVERS.sandbox);
  });
});
