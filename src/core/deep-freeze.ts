/**
 * Freezes a plain data value and everything in it: what a process keeps to hand out again (parsed
 * files, store rows) is shared by every later caller, so one caller's write must fail loudly (ES
 * modules are strict code) rather than change what the next one sees.
 */
export function deepFreeze(value: unknown): void {
  if (typeof value !== "object" || value === null || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child);
}
