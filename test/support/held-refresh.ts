import type { RefreshCoordinator } from "@polar-oauth/core";

/**
 * Starts a refresh through `coordinator` that stays "at Polar" until `finish()` (a barrier, not
 * a sleep): resolves once this caller holds the lock, so a test can look at the lock meanwhile.
 * `refreshing` settles with "sealed" after `finish()`.
 */
export async function holdRefresh(
  coordinator: RefreshCoordinator,
  key: string,
  graceMs = 60_000,
): Promise<{ finish: () => void; refreshing: Promise<string> }> {
  let finish!: () => void;
  let began!: () => void;
  const atPolar = new Promise<void>((resolve) => {
    began = resolve;
  });
  const refreshing = coordinator.run(
    key,
    () =>
      new Promise<string>((resolve) => {
        finish = () => resolve("sealed");
        began();
      }),
    graceMs,
  );
  await atPolar;
  return { finish, refreshing };
}
