/**
 * A real single-node Slurm cluster for tests, from Debian's packages
 * (slurmctld, slurmd, slurm-client, munge): a slurm.conf for this host in a
 * temporary folder (2 CPUs, cons_tres, proctrack/linuxproc, task/none, no
 * cgroups, no accounting, SlurmUser=root), its own munge key and munged
 * socket, then slurmctld and slurmd. stop() cancels every job and stops the
 * three daemons by the pids they wrote.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { mkdtempSync } from "node:fs";

/** Daemons and tools the cluster needs, with their Debian packages. */
const PROGRAMS: [string, string][] = [
  ["/usr/sbin/slurmctld", "slurmctld"],
  ["/usr/sbin/slurmd", "slurmd"],
  ["/usr/sbin/munged", "munge"],
  ["/usr/bin/sbatch", "slurm-client"],
];

/** Why the cluster cannot start here (a missing package, not root), or undefined when it can. */
export function slurmUnavailable(): string | undefined {
  const missing = PROGRAMS.filter(([path]) => !existsSync(path)).map(([, pkg]) => pkg);
  if (missing.length) return `Slurm is not installed (apt-get install ${[...new Set(missing)].join(" ")})`;
  if (process.getuid?.() !== 0) return "the test cluster runs its daemons as root (SlurmUser=root)";
  return undefined;
}

/** A running test cluster. */
export interface SlurmCluster {
  dir: string;
  /** Environment for clients and tensorcell: SLURM_CONF. */
  env: Record<string, string>;
  /** Cancels all jobs, stops slurmd, slurmctld and munged, removes the folder. */
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function pidOf(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, "utf8").trim());
    return pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Starts munged, slurmctld and slurmd; resolves once the node is idle. */
export async function startSlurm(): Promise<SlurmCluster> {
  const dir = mkdtempSync(join(tmpdir(), "tc-slurm-"));
  const node = hostname().split(".")[0]!;
  const port = 20000 + Math.floor(Math.random() * 20000);
  for (const sub of ["state", "spool", "log"]) mkdirSync(join(dir, sub));
  mkdirSync(join(dir, "key"), { mode: 0o700 });
  mkdirSync(join(dir, "munge"), { mode: 0o755 });
  chmodSync(dir, 0o755); // munged wants every folder above its socket searchable
  const key = join(dir, "key", "munge.key");
  writeFileSync(key, randomBytes(1024), { mode: 0o400 });
  const socket = join(dir, "munge", "munge.sock");
  const conf = join(dir, "slurm.conf");
  writeFileSync(
    conf,
    [
      "ClusterName=tensorcelltest",
      `SlurmctldHost=${node}(127.0.0.1)`,
      "SlurmUser=root",
      "SlurmdUser=root",
      `SlurmctldPort=${port}`,
      `SlurmdPort=${port + 1}`,
      "AuthType=auth/munge",
      `AuthInfo=socket=${socket}`,
      `StateSaveLocation=${join(dir, "state")}`,
      `SlurmdSpoolDir=${join(dir, "spool")}`,
      `SlurmctldPidFile=${join(dir, "slurmctld.pid")}`,
      `SlurmdPidFile=${join(dir, "slurmd.pid")}`,
      `SlurmctldLogFile=${join(dir, "log", "slurmctld.log")}`,
      `SlurmdLogFile=${join(dir, "log", "slurmd.log")}`,
      "ProctrackType=proctrack/linuxproc",
      "TaskPlugin=task/none",
      "SelectType=select/cons_tres",
      "SelectTypeParameters=CR_CPU",
      "SchedulerType=sched/backfill",
      "JobAcctGatherType=jobacct_gather/none",
      "AccountingStorageType=accounting_storage/none",
      "ReturnToService=2",
      "MpiDefault=none",
      "KillWait=5",
      `NodeName=${node} NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN`,
      `PartitionName=test Nodes=${node} Default=YES MaxTime=INFINITE State=UP`,
      "",
    ].join("\n"),
  );
  const env = { SLURM_CONF: conf };
  const cluster: SlurmCluster = {
    dir,
    env,
    async stop() {
      try {
        execFileSync("scancel", ["--full", "--user=root"], { env: { ...process.env, ...env }, stdio: "ignore", timeout: 10_000 });
        for (let i = 0; i < 40; i++) {
          const queued = execFileSync("squeue", ["-h"], { env: { ...process.env, ...env }, encoding: "utf8", timeout: 10_000 }).trim();
          if (!queued) break;
          await sleep(250);
        }
      } catch {
        // the controller is already down
      }
      for (const file of ["slurmd.pid", "slurmctld.pid", join("munge", "munged.pid")]) {
        const pid = pidOf(join(dir, file));
        if (pid === undefined || !alive(pid)) continue;
        process.kill(pid, "SIGTERM");
        for (let i = 0; i < 40 && alive(pid); i++) await sleep(100);
        if (alive(pid)) process.kill(pid, "SIGKILL");
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    execFileSync("/usr/sbin/munged", [`--key-file=${key}`, `--socket=${socket}`, `--pid-file=${join(dir, "munge", "munged.pid")}`, `--log-file=${join(dir, "log", "munged.log")}`, `--seed-file=${join(dir, "munge", "seed")}`], { stdio: "pipe" });
    execFileSync("/usr/sbin/slurmctld", ["-f", conf], { stdio: "pipe", env: { ...process.env, ...env } });
    execFileSync("/usr/sbin/slurmd", ["-f", conf], { stdio: "pipe", env: { ...process.env, ...env } });
    for (let i = 0; ; i++) {
      const state = execFileSync("sinfo", ["-h", "-o", "%t"], { env: { ...process.env, ...env }, encoding: "utf8" }).trim();
      if (state === "idle") break;
      if (i > 100) throw new Error(`the test node did not come up (sinfo: ${state}); slurmd log: ${readFileSync(join(dir, "log", "slurmd.log"), "utf8").split("\n").slice(-3).join(" | ")}`);
      await sleep(200);
    }
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return cluster;
}
