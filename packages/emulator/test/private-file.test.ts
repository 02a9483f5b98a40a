import {
  chmodSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startEmulator } from "../src/index.js";

const dir = () => mkdtempSync(join(tmpdir(), "polar-emulator-file-"));

describe("the persist file (client secrets and the signing key)", () => {
  it("is written 0600 under a loose umask, and leaves no temporary file behind", async () => {
    const file = join(dir(), "state.json");
    const umask = process.umask(0o022);
    try {
      const emulator = await startEmulator({ persistPath: file });
      await emulator.registerClient({ client_name: "x", redirect_uris: ["http://localhost/cb"] });
      await emulator.close();
    } finally {
      process.umask(umask);
    }
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, "utf8")).clients).toHaveLength(1);
    expect(readdirSync(join(file, ".."))).toEqual(["state.json"]);
  });

  it("never writes through a symlink planted at the old predictable temp name", async () => {
    const folder = dir();
    const file = join(folder, "state.json");
    const victim = join(folder, "victim.txt");
    writeFileSync(victim, "untouched");
    // The name the emulator used to write to before renaming: state.json.<pid>.tmp.
    symlinkSync(victim, `${file}.${process.pid}.tmp`);
    const emulator = await startEmulator({ persistPath: file });
    await emulator.close();
    expect(readFileSync(victim, "utf8")).toBe("untouched");
    expect(JSON.parse(readFileSync(file, "utf8")).version).toBe(1);
  });

  it("a symlinked persist file stays a link to the file it names, tightened to 0600", async () => {
    const folder = dir();
    const real = join(folder, "real.json");
    const link = join(folder, "state.json");
    await (await startEmulator({ persistPath: real })).close();
    chmodSync(real, 0o644);
    symlinkSync(real, link);
    const emulator = await startEmulator({ persistPath: link });
    await emulator.registerClient({ client_name: "x", redirect_uris: ["http://localhost/cb"] });
    await emulator.close();
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(JSON.parse(readFileSync(real, "utf8")).clients).toHaveLength(1);
    expect(statSync(real).mode & 0o777).toBe(0o600);
  });
});
