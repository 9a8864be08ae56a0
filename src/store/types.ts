/**
 * Temporary: the Store's types now live in one file per concern (store.ts, resources.ts,
 * signing-keys.ts, sign-in.ts, sync-status.ts); this re-export keeps callers compiling until their
 * imports move, and goes away with that change.
 */
export * from "./resources.ts";
export * from "./sign-in.ts";
export * from "./signing-keys.ts";
export * from "./store.ts";
export * from "./sync-status.ts";
