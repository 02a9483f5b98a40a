#!/usr/bin/env node
// `pnpm test:packages` (a step of .ci/run, not of `pnpm test`: it builds, and npm-installs
// third-party dependencies from the registry). Builds and packs every publishable package with
// `pnpm pack`, lints each tarball with publint and attw, installs the tarballs with npm into a
// temporary app outside the workspace and checks what a user would do there: ESM import,
// CommonJS require(), TypeScript under node16 and bundler resolution, both bins' --help, and the
// Express example signing in against the installed emulator. Each tarball must hold LICENSE (the
// repository's) and its README with no relative link (they break on the npm page), and its
// package.json the metadata npm shows. Then the quick starts of the express, koa and redis
// READMEs run as written, each in a new empty npm project (quick-start.mjs; the blocks are
// marked as readme-blocks.mjs describes), and sign alice in. QUICK_STARTS=express,koa runs some.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { runQuickStart } from "./quick-start.mjs";
import { relativeLinks } from "./readme-blocks.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const fixture = join(dirname(fileURLToPath(import.meta.url)), "consumer");
/** The packages that would be published: every packages/* that is not private. */
const PUBLISHED = readdirSync(join(root, "packages")).filter(
  (name) => !JSON.parse(readFileSync(join(root, "packages", name, "package.json"), "utf8")).private,
);
// The pnpm running this script (`pnpm test:packages`), else the one on PATH.
const execPath = process.env.npm_execpath ?? "";
const pnpm = /pnpm\.c?js$/.test(execPath) ? [process.execPath, execPath] : ["pnpm"];
const bin = (name) => join(root, "node_modules/.bin", name);
const started = Date.now();
let current = "";
const step = (message) => {
  current = message;
  console.log(`[packages ${((Date.now() - started) / 1000).toFixed(1)} s] ${message}`);
};

function run(command, args, cwd, env = process.env) {
  execFileSync(command, args, { cwd, env, stdio: ["ignore", "inherit", "inherit"] });
}

const work = mkdtempSync(join(tmpdir(), "polar-oauth-consumer-"));
const keep = process.env.KEEP_CONSUMER_APP === "1";
try {
  step("pnpm build");
  run(pnpm[0], [...pnpm.slice(1), "--silent", "build"], root);

  const tarballs = join(work, "tarballs");
  mkdirSync(tarballs);
  step("pnpm pack (applies publishConfig and rewrites workspace: ranges)");
  for (const name of PUBLISHED) {
    run(
      pnpm[0],
      [...pnpm.slice(1), "pack", "--pack-destination", tarballs],
      join(root, "packages", name),
    );
  }
  const files = Object.fromEntries(
    readdirSync(tarballs).map((file) => [
      `@polar-oauth/${/^polar-oauth-(.+)-\d+\.\d+\.\d+.*\.tgz$/.exec(file)[1]}`,
      join(tarballs, file),
    ]),
  );

  for (const [name, file] of Object.entries(files)) {
    step(`publint ${name}`);
    run(bin("publint"), ["run", "--strict", file], work);
    // ESM only on purpose (engines: node >= 20.19 loads it through require()): the node10 and
    // node16-from-CJS rows are the "ESM only" answers the esm-only profile expects.
    step(`attw ${name}`);
    run(bin("attw"), ["--profile", "esm-only", "--format", "table-flipped", file], work);
  }

  for (const [name, file] of Object.entries(files)) {
    step(`${name}: LICENSE, README and package.json metadata in the tarball`);
    const inTarball = (path) =>
      execFileSync("tar", ["-xzOf", file, `package/${path}`], { encoding: "utf8" });
    const listing = execFileSync("tar", ["-tzf", file], { encoding: "utf8" }).split("\n");
    for (const required of ["package/LICENSE", "package/README.md", "package/package.json"]) {
      assert.ok(listing.includes(required), `${name}: ${required} is not in the tarball`);
    }
    assert.equal(
      inTarball("LICENSE"),
      readFileSync(join(root, "LICENSE"), "utf8"),
      `${name}: LICENSE`,
    );
    assert.deepEqual(
      relativeLinks(inTarball("README.md")),
      [],
      `${name}: README links break on npm`,
    );
    const manifest = JSON.parse(inTarball("package.json"));
    const directory = `packages/${name.replace("@polar-oauth/", "")}`;
    assert.equal(manifest.license, "MIT", `${name}: license`);
    assert.equal(manifest.repository?.directory, directory, `${name}: repository.directory`);
    assert.match(
      manifest.repository?.url ?? "",
      /^git\+https:\/\/github\.com\/[\w-]+\/[\w-]+\.git$/,
    );
    assert.match(manifest.homepage ?? "", new RegExp(`/tree/main/${directory}#readme$`));
    assert.match(manifest.bugs?.url ?? "", /\/issues$/, `${name}: bugs`);
    assert.ok(manifest.keywords?.includes("polar"), `${name}: keywords`);
  }

  const npmEnv = {
    ...process.env,
    // A cache of its own, kept between runs, so a repeat run installs from disk.
    npm_config_cache: join(tmpdir(), "polar-oauth-consumer-npm-cache"),
    npm_config_audit: "false",
    npm_config_fund: "false",
    npm_config_update_notifier: "false",
  };
  const quickStarts = (process.env.QUICK_STARTS ?? "express,koa,redis").split(",").filter(Boolean);
  for (const name of quickStarts) {
    step(`the ${name} README's quick start, as written, in an empty npm project`);
    await runQuickStart({
      readme: join(root, "packages", name, "README.md"),
      dir: join(work, `quick-start-${name}`),
      tarballs: files,
      // All the blocks get, so the app sees nothing but its dotenv file.
      env: {
        PATH: process.env.PATH,
        HOME: join(work, `quick-start-${name}`),
        npm_config_cache: npmEnv.npm_config_cache,
        npm_config_audit: "false",
        npm_config_fund: "false",
        npm_config_update_notifier: "false",
        npm_config_prefer_offline: "true",
        npm_config_loglevel: "error",
      },
      paths: [
        {
          path: "/",
          expect: async (response) =>
            assert.equal(await response.text(), "Hello alice@example.com", "GET / signed in"),
        },
        {
          path: "/orders",
          expect: async (response) => {
            assert.equal(response.status, 200, "GET /orders signed in");
            // Alice's six orders in the emulator's fixtures, read through polar.api.
            const body = await response.json();
            assert.equal(body.user?.email, "alice@example.com");
            assert.equal(body.orders, 6);
          },
        },
      ],
      log: console.log,
    });
  }
  // QUICK_STARTS narrows the run to those READMEs, for working on them.
  if (!process.env.QUICK_STARTS) await consumerApp();
  step("all good");

  async function consumerApp() {
    const app = join(work, "app");
    // The Express example's own third-party dependencies (express, escape-html, their types).
    const example = JSON.parse(readFileSync(join(root, "examples/express/package.json"), "utf8"));
    const thirdParty = (deps = {}) =>
      Object.fromEntries(
        Object.entries(deps).filter(([name]) => !name.startsWith("@polar-oauth/")),
      );
    cpSync(fixture, app, { recursive: true });
    cpSync(join(root, "examples/express/src"), join(app, "example"), { recursive: true });
    writeFileSync(
      join(app, "package.json"),
      `${JSON.stringify(
        {
          name: "polar-oauth-consumer",
          private: true,
          type: "module",
          dependencies: {
            ...Object.fromEntries(
              Object.entries(files).map(([name, file]) => [name, `file:${file}`]),
            ),
            ...thirdParty(example.dependencies),
            koa: "^3.3.0",
          },
          devDependencies: {
            ...thirdParty(example.devDependencies),
            "@types/koa": "^3.0.3",
            "@types/node": "^20.19.0",
            typescript: "5.9.3",
          },
          // The tarballs depend on @polar-oauth/core@<version>, which is not on the registry yet.
          overrides: { "@polar-oauth/core": `file:${files["@polar-oauth/core"]}` },
        },
        null,
        2,
      )}\n`,
    );
    step(`npm install (outside the workspace: ${app})`);
    run(
      "npm",
      ["install", "--no-package-lock", "--prefer-offline", "--loglevel=error"],
      app,
      npmEnv,
    );

    step("ESM import and the export lists");
    run(process.execPath, ["esm.mjs"], app);
    step("CommonJS require() of @polar-oauth/express");
    run(process.execPath, ["require.cjs"], app);
    for (const resolution of ["node16", "bundler"]) {
      step(`tsc, moduleResolution ${resolution} (every public export, the Express example)`);
      run(
        process.execPath,
        ["node_modules/typescript/bin/tsc", "-p", `tsconfig.${resolution}.json`],
        app,
      );
    }
    step("the bins' --help, then the Express example signs in against the emulator");
    run(process.execPath, ["sign-in.mjs"], app);
  }
} catch (error) {
  // The failing tool printed its own output above; no stack of this script.
  console.error(`test:packages failed at "${current}": ${error.message.split("\n")[0]}`);
  process.exitCode = 1;
} finally {
  if (keep) console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
