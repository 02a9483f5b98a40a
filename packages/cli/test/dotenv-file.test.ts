import { chmod, lstat, readdir, readFile, stat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import {
  dotenvValue,
  MalformedDotenvError,
  mergeDotenv,
  parseDotenv,
  writeDotenvFile,
} from "../src/index.js";
import { tempDir } from "./support.js";

describe("mergeDotenv", () => {
  test("replaces keys in place, appends new ones, keeps every other line, comment and order", () => {
    const text = "# head\nA=1\n\nexport POLAR_CLIENT_ID_DEV=old\n# middle\nB='two words'\n";
    const merged = mergeDotenv(text, [
      ["POLAR_CLIENT_ID_DEV", "polar_ci_new"],
      ["POLAR_CLIENT_SECRET_DEV", "polar_cs_x"],
    ]);
    expect(merged).toBe(
      "# head\nA=1\n\nexport POLAR_CLIENT_ID_DEV=polar_ci_new\n# middle\nB='two words'\nPOLAR_CLIENT_SECRET_DEV=polar_cs_x\n",
    );
  });

  test("drops later duplicates of a replaced key, and removes keys", () => {
    const merged = mergeDotenv("K=1\nX=keep\nK=2\nGONE=1\n", [["K", "3"]], ["GONE"]);
    expect(merged).toBe("K=3\nX=keep\n");
  });

  test("multi-line quoted values are replaced whole", () => {
    const text = 'KEY="line one\nline two"\nOTHER=1\n';
    expect(parseDotenv(text).KEY).toBe("line one\nline two");
    expect(mergeDotenv(text, [["KEY", "v"]])).toBe("KEY=v\nOTHER=1\n");
  });

  test("adds a final newline and keeps CRLF files CRLF", () => {
    expect(mergeDotenv("A=1", [["B", "2"]])).toBe("A=1\nB=2\n");
    expect(mergeDotenv("A=1\r\n", [["B", "2"]])).toBe("A=1\r\nB=2\r\n");
    expect(mergeDotenv("", [["B", "2"]])).toBe("B=2\n");
  });

  test("quotes values that need it, so they read back the same", () => {
    const merged = mergeDotenv("", [
      ["URI", "https://example.com/cb?x=1#frag"],
      ["SPACE", "a b"],
    ]);
    expect(parseDotenv(merged)).toEqual({ URI: "https://example.com/cb?x=1#frag", SPACE: "a b" });
  });

  test("refuses malformed text, naming the line but not its content", () => {
    expect(() => mergeDotenv("A=1\nsecret-looking garbage\n", [])).toThrow(MalformedDotenvError);
    expect(() => parseDotenv('A="never closed\n')).toThrow(
      /line 1 opens a quote that never closes/,
    );
    try {
      parseDotenv("A=1\nsecret-looking garbage\n");
    } catch (error) {
      expect((error as Error).message).toBe("line 2 is not KEY=VALUE, a comment or blank");
    }
  });
});

describe("dotenvValue and '$'", () => {
  // Docker Compose interpolates bare and double-quoted values (`$$` becomes `$`), so a '$'
  // that dotenv-expand leaves alone is still written only single-quoted.
  test("a value with '$' is single-quoted, never bare", () => {
    expect(dotenvValue("x$$")).toBe("'x$$'");
    expect(dotenvValue("price$5")).toBe("'price$5'");
    expect(parseDotenv(mergeDotenv("", [["V", "x$$"]]))).toEqual({ V: "x$$" });
  });

  test("a value with '$' that cannot be single-quoted (it holds a ') is refused, never double-quoted", () => {
    expect(() => dotenvValue("it's $5", "V")).toThrow(/Refusing to write V/);
    expect(dotenvValue("it's 5")).toBe('"it\'s 5"');
  });
});

describe("writeDotenvFile", () => {
  test("creates 0600, tightens a looser file to 0600, leaves no temp file behind", async () => {
    const dir = await tempDir();
    const file = join(dir, ".env");
    const created = await writeDotenvFile(file, [["A", "1"]]);
    expect(created.created).toBe(true);
    expect((await stat(file)).mode & 0o777).toBe(0o600);

    await chmod(file, 0o644);
    const tightened = await writeDotenvFile(file, [["B", "2"]]);
    expect(tightened.tightenedFrom).toBe(0o644);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readFile(file, "utf8")).toBe("A=1\nB=2\n");
    expect(await readdir(dir)).toEqual([".env"]);
  });

  test("writes through a symlink to the real file", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "real.env"), "A=1\n");
    await symlink(join(dir, "real.env"), join(dir, "link.env"));
    await writeDotenvFile(join(dir, "link.env"), [["B", "2"]]);
    expect(await readFile(join(dir, "real.env"), "utf8")).toBe("A=1\nB=2\n");
    expect((await lstat(join(dir, "link.env"))).isSymbolicLink()).toBe(true);
  });
});
