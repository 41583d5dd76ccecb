/**
 * The sandbox's process, memory and disk limits.
 *
 * - Processes: RLIMIT_NPROC, set inside the sandbox's user namespace, where
 *   it counts the sandbox's own tasks (processes and threads). An idle
 *   kernel has about 20 threads; the default leaves room for a few child
 *   processes and stops a fork bomb.
 * - Memory: the grader's limit (--memory) is enforced as before by the
 *   session (V8's heap limit, and the resident memory of the kernel's
 *   whole process tree polled from /proc, which kills the sandbox and
 *   reports "memory"). WebAssembly memory and ArrayBuffers are outside V8's
 *   heap, so RLIMIT_DATA is set as a hard backstop a little above the
 *   limit: an allocation that would pass it fails at once (RangeError:
 *   Array buffer allocation failed, or V8's fatal out-of-memory), which the
 *   session also reports as a memory kill. RLIMIT_AS is not used: V8
 *   reserves many gigabytes of address space for each wasm memory (guard
 *   regions), so an address-space cap stops the wasm backend from starting.
 * - Disk: the size of the sandbox's only writable tmpfs.
 */

/** Limits asked for (grade options). */
export interface SandboxLimitOptions {
  /** Memory limit of the kernel in MiB (the session's --memory); none when undefined. */
  memoryLimitMb?: number;
  /** Size of the writable tmpfs in MiB (default 512). */
  diskMb?: number;
  /** Processes and threads the sandbox may run at once (default 128). */
  maxProcesses?: number;
}

/** Limits as handed to bwrap and prlimit. */
export interface SandboxLimits {
  diskBytes: number;
  maxProcesses: number;
  /** RLIMIT_DATA in bytes, or "unlimited". */
  maxDataBytes: number | "unlimited";
}

/** Default size of the writable tmpfs, MiB. */
export const DEFAULT_DISK_MB = 512;
/** Default process and thread limit. */
export const DEFAULT_MAX_PROCESSES = 128;
/**
 * Head room of RLIMIT_DATA over the memory limit, MiB: writable mappings
 * that are not resident (thread stacks, malloc arenas, V8's reserved
 * pages) count against RLIMIT_DATA but not against resident memory.
 */
const DATA_HEADROOM_MB = 512;

const MIB = 1024 * 1024;

/** The limits for a sandbox from the grade options. */
export function sandboxLimits(options: SandboxLimitOptions): SandboxLimits {
  return {
    diskBytes: Math.round((options.diskMb ?? DEFAULT_DISK_MB) * MIB),
    maxProcesses: Math.max(1, Math.floor(options.maxProcesses ?? DEFAULT_MAX_PROCESSES)),
    maxDataBytes: options.memoryLimitMb === undefined ? "unlimited" : Math.round((options.memoryLimitMb + DATA_HEADROOM_MB) * MIB),
  };
}
