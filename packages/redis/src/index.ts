export type { RedisStoreOptions } from "./options.js";
export type { RedisRevocationStore } from "./revocation.js";
export { createRedisStore, type RedisStore } from "./store.js";
