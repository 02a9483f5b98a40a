import { mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import type { ClientRecord } from "./client-registry.js";
import { writePrivateFileSync } from "./private-file.js";
import type { PrivateJwk } from "./signing-key.js";
import type { StoreSnapshot } from "./state-store.js";

/** The content of a `persistPath` file. It holds client secrets and tokens: keep it out of git. */
export interface PersistedState {
  version: 1;
  signingKey: PrivateJwk;
  cookieKeys: string[];
  clients: ClientRecord[];
  store: StoreSnapshot;
}

/** Reads a persist file; undefined when it does not exist yet. Throws with the path on a corrupt file. */
export function loadPersistedState(path: string): PersistedState | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new Error(
      `polar-emulator: cannot read persist file ${path}: ${(error as Error).message}`,
    );
  }
  let parsed: PersistedState;
  try {
    parsed = JSON.parse(text) as PersistedState;
  } catch (error) {
    throw new Error(
      `polar-emulator: persist file ${path} is not valid JSON: ${(error as Error).message}`,
    );
  }
  if (
    parsed?.version !== 1 ||
    !parsed.signingKey ||
    !Array.isArray(parsed.clients) ||
    !parsed.store
  ) {
    throw new Error(
      `polar-emulator: persist file ${path} is not an emulator state file (delete it to start fresh)`,
    );
  }
  return parsed;
}

/** Writes state to disk shortly after changes (coalesced), and on demand. Writes are atomic and private (see `writePrivateFileSync`). */
export class Persister {
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly path: string,
    private readonly collect: () => PersistedState,
    private readonly delayMs = 50,
  ) {}

  markDirty(): void {
    if (this.#timer) return;
    this.#timer = setTimeout(() => this.flush(), this.delayMs);
    this.#timer.unref();
  }

  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    mkdirSync(dirname(this.path), { recursive: true });
    writePrivateFileSync(this.path, `${JSON.stringify(this.collect(), null, 2)}\n`);
  }
}
