import { randomBytes } from "node:crypto";
import {
  closeSync,
  fchmodSync,
  fsyncSync,
  lstatSync,
  openSync,
  realpathSync,
  renameSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";

/** Mode of files holding secrets (client secrets, the signing key): owner read/write only. */
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Replaces `path` with `text` the way the CLI writes credential files: an exclusive (`wx`, never
 * follows or reuses an existing name) random temporary file beside it, mode 0600, fsynced, then
 * renamed over the target, so a crash leaves the old file or the new one and nobody can plant a
 * symlink at a predictable name. A symlinked target is followed so the link stays a link.
 */
export function writePrivateFileSync(path: string, text: string): void {
  const target = resolveTarget(path);
  const temp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString("hex")}.tmp`);
  const fd = openSync(temp, "wx", PRIVATE_FILE_MODE);
  try {
    fchmodSync(fd, PRIVATE_FILE_MODE); // the umask may have loosened the create mode
    writeSync(fd, text);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(temp, target);
  } catch (error) {
    try {
      closeSync(fd);
    } catch {
      // Already closed.
    }
    try {
      unlinkSync(temp);
    } catch {
      // Renamed or never written.
    }
    throw error;
  }
}

function resolveTarget(path: string): string {
  try {
    if (lstatSync(path).isSymbolicLink()) return realpathSync(path);
  } catch {
    // Missing: the path itself is the target.
  }
  return path;
}
