/**
 * A process and everything it started, from /proc: what a memory limit
 * must count when the kernel runs under a wrapper (bubblewrap's kernel is
 * its grandchild) or starts children of its own.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return ""; // the process or thread ended meanwhile: it has no children left to count
  }
}

/** Children of one process through /proc/PID/task/TID/children; undefined where the kernel lacks that file. */
function childrenOf(pid: number): number[] | undefined {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return []; // the process ended: no children left to count
  }
  if (!existsSync(`/proc/${pid}/task/${pid}/children`) && existsSync(`/proc/${pid}/task/${pid}`)) return undefined;
  const children: number[] = [];
  for (const task of tasks) {
    for (const word of readOrEmpty(`/proc/${pid}/task/${task}/children`).split(" ")) if (word.trim()) children.push(Number(word));
  }
  return children;
}

/** Parent of every process, from /proc/PID/stat (the slow way, for kernels without the children file). */
function parentTable(): Map<number, number[]> {
  const table = new Map<number, number[]>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readOrEmpty(`/proc/${name}/stat`);
    // Field 4 is the parent; the command name (field 2) may hold spaces and parentheses, so read after its last ")".
    const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (!Number.isFinite(parent)) continue;
    const list = table.get(parent) ?? [];
    list.push(Number(name));
    table.set(parent, list);
  }
  return table;
}

/** The process and all its descendants (host PIDs). */
export function processTree(pid: number): number[] {
  const found = [pid];
  let table: Map<number, number[]> | undefined;
  for (let i = 0; i < found.length; i++) {
    let children = childrenOf(found[i]!);
    if (children === undefined) children = (table ??= parentTable()).get(found[i]!) ?? [];
    for (const child of children) if (!found.includes(child)) found.push(child);
  }
  return found;
}

/** Resident set size of a process in MiB, from /proc (undefined when it is gone or there is no /proc). */
export function residentMemoryMb(pid: number): number | undefined {
  const match = /VmRSS:\s+(\d+)\s+kB/.exec(readOrEmpty(`/proc/${pid}/status`));
  return match ? Number(match[1]) / 1024 : undefined;
}

/** Resident memory of a process and its descendants together, MiB (undefined when the process is gone). */
export function treeResidentMemoryMb(pid: number): number | undefined {
  const own = residentMemoryMb(pid);
  if (own === undefined) return undefined;
  return processTree(pid)
    .slice(1)
    .reduce((sum, child) => sum + (residentMemoryMb(child) ?? 0), own);
}
