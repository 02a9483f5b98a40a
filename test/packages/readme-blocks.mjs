// The runnable code blocks of a package README, and how `pnpm test:packages` runs them.
//
// A block runs when an HTML comment (invisible on npm and GitHub) comes right before its fence:
//   <!-- test:packages run -->          shell lines run in the project folder (sh -e), must exit 0
//   <!-- test:packages serve PORT -->   a shell command that keeps running (the emulator, the app);
//                                       the next block runs once http://localhost:PORT answers
//   <!-- test:packages file NAME… -->   the block's text is saved as NAME (each NAME given)
// Blocks run in README order, in a new empty folder, as a reader pasting them would. What the
// runner changes, and only that: the ports 3000 (the app), 4000 (the emulator) and 6379 (Redis)
// become free ports; on `npm install` lines `@polar-oauth/<name>` becomes the packed tarball, and
// package.json first gets an `overrides` entry pointing `@polar-oauth/core` (a dependency of the
// tarballs, not on the registry yet) at its tarball.

const MARKER =
  /<!--\s*test:packages\s+(run|serve|file)\b([^>]*?)-->\s*\n```[^\n]*\n([\s\S]*?)\n```/g;

/** The README's marked blocks, in order: `{ kind, args, code }`. */
export function readmeBlocks(text) {
  return [...text.matchAll(MARKER)].map(([, kind, args, code]) => ({
    kind,
    args: args.trim().split(/\s+/).filter(Boolean),
    code,
  }));
}

/** The well-known ports the READMEs use, to be replaced by free ones. */
export const README_PORTS = ["3000", "4000", "6379"];

/** Replaces each README port by its free port (`ports`: README port -> free port). */
export function withPorts(code, ports) {
  return code.replace(/\b(3000|4000|6379)\b/g, (port) => String(ports[port] ?? port));
}

/**
 * Points `npm install` lines at the packed tarballs (`tarballs`: package name -> .tgz path),
 * after setting package.json's override for `@polar-oauth/core`.
 */
export function withTarballs(code, tarballs) {
  const override = `npm pkg set 'overrides.@polar-oauth/core=file:${tarballs["@polar-oauth/core"]}'`;
  return code
    .split("\n")
    .map((line) =>
      /^\s*npm (install|i)\b/.test(line)
        ? `${override} && ${line.replace(/@polar-oauth\/[a-z-]+/g, (name) => {
            if (!tarballs[name])
              throw new Error(`the README installs ${name}, which is not packed`);
            return tarballs[name];
          })}`
        : line,
    )
    .join("\n");
}

/** Every link in a README that would not work from the npm page (relative, not an anchor). */
export function relativeLinks(text) {
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)]
    .map(([, target]) => target)
    .filter((target) => !/^(https?:|mailto:|#)/.test(target));
}
