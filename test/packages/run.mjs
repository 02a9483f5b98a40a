#!/usr/bin/env node
// `pnpm test:packages` (a step of .ci/run, not of `pnpm test`: it builds, and npm-installs
// third-party dependencies from the registry). Builds and packs every publishable package with
// `pnpm pack`, lints each tarball with publint and attw, installs the tarballs with npm into a
// temporary app outside the workspace and checks what a user would do there: ESM import,
// CommonJS require(), TypeScript under node16 and bundler resolution, both bins' --help, and the
// Express example signing in against the installed emulator.
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

  const app = join(work, "app");
  // The Express example's own third-party dependencies (express, escape-html, their types).
  const example = JSON.parse(readFileSync(join(root, "examples/express/package.json"), "utf8"));
  const thirdParty = (deps = {}) =>
    Object.fromEntries(Object.entries(deps).filter(([name]) => !name.startsWith("@polar-oauth/")));
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
  const npmEnv = {
    ...process.env,
    // A cache of its own, kept between runs, so a repeat run installs from disk.
    npm_config_cache: join(tmpdir(), "polar-oauth-consumer-npm-cache"),
    npm_config_audit: "false",
    npm_config_fund: "false",
    npm_config_update_notifier: "false",
  };
  run("npm", ["install", "--no-package-lock", "--prefer-offline", "--loglevel=error"], app, npmEnv);

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
  step("all good");
} catch (error) {
  // The failing tool printed its own output above; no stack of this script.
  console.error(`test:packages failed at "${current}": ${error.message.split("\n")[0]}`);
  process.exitCode = 1;
} finally {
  if (keep) console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
