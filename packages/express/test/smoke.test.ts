import { expect, it } from "vitest";
import { x } from "../src/index.js";
it("resolves core from source", () => { expect(x()).toBe("core"); });
