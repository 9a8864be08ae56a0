/**
 * Whether a process recorded in the store file still runs: what lets the SQLite sync lease pass from a
 * killed leader to another process at once rather than when its lease runs out. It answers only when
 * sure. A process id means something only inside one PID namespace of one boot of one machine, so a
 * process records `machineIdentity()` beside its pid, and another judges the pid only when its own
 * identity is the same: in another container (another PID namespace), on another boot, or where the
 * identity cannot be read (no /proc), nothing is known and the lease's expiry decides.
 */
import { readFileSync, readlinkSync } from "node:fs";

let identity: string | null | undefined;

/**
 * The boot id and the PID namespace of this process (`<boot id>/pid:[<inode>]`), or null where Linux's
 * /proc does not say. The namespace's inode number is unique among live namespaces of one boot.
 */
export function machineIdentity(): string | null {
  if (identity !== undefined) return identity;
  try {
    const boot = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
    const namespace = readlinkSync("/proc/self/ns/pid");
    identity = boot && namespace ? `${boot}/${namespace}` : null;
  } catch {
    identity = null;
  }
  return identity;
}

/**
 * True only when the process `pid` of this PID namespace is certainly gone: no such process, or a
 * zombie (killed, not yet reaped by its parent; it will never run again). A process of another user
 * (EPERM) is alive; a reused pid looks alive too, and then the lease's expiry decides.
 */
export function processIsGone(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
  try {
    // /proc/<pid>/stat: "pid (comm) state ...", comm may hold spaces and parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) === "Z";
  } catch {
    return false;
  }
}
