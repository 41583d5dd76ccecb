/**
 * The grading sandbox's pure parts: bubblewrap's command line, the
 * read-only view of the host, the limits, the kernel's environment, how a
 * sandboxed kernel's end reads, and the process tree the memory limit counts.
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bwrapArgs, SANDBOX_WORKDIR, type BwrapSpec } from "../../../kernel/headless/sandbox/bwrap.js";
import { sandboxEnv, submissionFiles } from "../../../kernel/headless/sandbox/launch.js";
import { sandboxLimits } from "../../../kernel/headless/sandbox/limits.js";
import { kernelView } from "../../../kernel/headless/sandbox/view.js";
import { howItEnded, isRefusedAllocation } from "../../../kernel/headless/session.js";
import { processTree, treeResidentMemoryMb } from "../../../kernel/headless/process-tree.js";
import type { Message } from "../../../kernel/wire/message.js";

const spec = (extra: Partial<BwrapSpec> = {}): BwrapSpec => ({
  view: [
    { kind: "bind", path: "/usr" },
    { kind: "symlink", path: "/lib", target: "usr/lib" },
  ],
  connectionDir: "/tmp/tensorcell-abc",
  diskBytes: 1 << 20,
  copies: [{ fd: 3, name: "hw.ipynb" }],
  sharedFiles: [{ path: "/data/train.csv", name: "train.csv" }],
  env: { PATH: "/usr/bin", HOME: SANDBOX_WORKDIR },
  prlimit: "/usr/bin/prlimit",
  maxProcesses: 64,
  maxDataBytes: 1024,
  command: ["/usr/bin/node", "/pkg/dist/cli.js", "kernel", "-f", "/tmp/tensorcell-abc/connection.json"],
  ...extra,
});

describe("bwrapArgs", () => {
  const args = bwrapArgs(spec());
  const pairs = (flag: string) => args.flatMap((arg, i) => (arg === flag ? [args[i + 1]] : []));

  it("unshares every namespace, forbids nested user namespaces, dies with the grader, clears the environment", () => {
    for (const flag of ["--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--disable-userns", "--die-with-parent", "--new-session", "--clearenv"]) {
      expect(args).toContain(flag);
    }
    expect(args.indexOf("--clearenv")).toBeLessThan(args.indexOf("--setenv"));
    expect(pairs("--setenv")).toEqual(["PATH", "HOME"]);
  });

  it("binds the view read-only, the connection folder read-write, and copies files into the working folder", () => {
    expect(args.join(" ")).toContain("--ro-bind /usr /usr --symlink usr/lib /lib");
    expect(args.join(" ")).toContain("--bind /tmp/tensorcell-abc /tmp/tensorcell-abc");
    expect(args.join(" ")).toContain(`--perms 0600 --file 3 ${SANDBOX_WORKDIR}/hw.ipynb`);
    expect(args.join(" ")).toContain(`--ro-bind /data/train.csv ${SANDBOX_WORKDIR}/train.csv`);
    expect(args.join(" ")).toContain(`--size ${1 << 20} --perms 1777 --tmpfs /tmp`);
    expect(pairs("--chdir")).toEqual([SANDBOX_WORKDIR]);
  });

  it("mounts a package that lives under /tmp after the /tmp tmpfs, which would hide it otherwise", () => {
    const underTmp = bwrapArgs(spec({ view: [{ kind: "bind", path: "/usr" }, { kind: "bind", path: "/tmp/checkout" }] }));
    const tmpfs = underTmp.indexOf("--tmpfs");
    expect(underTmp.indexOf("/usr")).toBeLessThan(tmpfs);
    expect(underTmp.indexOf("/tmp/checkout")).toBeGreaterThan(tmpfs);
    expect(underTmp.join(" ")).toContain("--ro-bind /tmp/checkout /tmp/checkout");
  });

  it("remounts / and /dev read-only after every mount, and runs the kernel under prlimit", () => {
    const lastMount = Math.max(...["--ro-bind", "--bind", "--file", "--tmpfs", "--dir", "--proc", "--dev"].map((flag) => args.lastIndexOf(flag)));
    expect(args.indexOf("--remount-ro")).toBeGreaterThan(lastMount);
    expect(pairs("--remount-ro")).toEqual(["/dev", "/"]);
    const command = args.slice(args.indexOf("--") + 1);
    expect(command).toEqual(["/usr/bin/prlimit", "--nproc=64", "--data=1024", "--", "/usr/bin/node", "/pkg/dist/cli.js", "kernel", "-f", "/tmp/tensorcell-abc/connection.json"]);
  });
});

describe("kernelView", () => {
  it("shows node and the package's package.json, dist and node_modules (through their real paths), never the package's other folders", () => {
    const root = mkdtempSync(join(tmpdir(), "tc-view-"));
    const modules = mkdtempSync(join(tmpdir(), "tc-view-modules-"));
    writeFileSync(join(root, "package.json"), "{}");
    mkdirSync(join(root, "dist"));
    mkdirSync(join(root, "notebooks"));
    symlinkSync(modules, join(root, "node_modules"));
    const view = kernelView(process.execPath, root);
    const binds = view.filter((e) => e.kind === "bind").map((e) => e.path);
    expect(binds).toEqual(expect.arrayContaining([join(root, "package.json"), join(root, "dist"), modules]));
    expect(binds).not.toContain(root);
    expect(binds.some((path) => path.startsWith(join(root, "notebooks")))).toBe(false);
    expect(view).toContainEqual({ kind: "symlink", path: join(root, "node_modules"), target: modules });
    expect(binds.some((path) => process.execPath.startsWith(path))).toBe(true);
  });
});

describe("sandbox limits and environment", () => {
  it("derives RLIMIT_DATA from the memory limit with head room, and defaults the disk and process limits", () => {
    expect(sandboxLimits({ memoryLimitMb: 512 })).toEqual({ diskBytes: 512 * 2 ** 20, maxProcesses: 128, maxDataBytes: 1024 * 2 ** 20 });
    expect(sandboxLimits({ diskMb: 64, maxProcesses: 10 })).toEqual({ diskBytes: 64 * 2 ** 20, maxProcesses: 10, maxDataBytes: "unlimited" });
  });

  it("gives the kernel a fresh environment: nothing of the grader's but tensorcell's own settings, one wasm thread", () => {
    process.env.TC_SANDBOX_UNIT_SECRET = "x";
    try {
      const env = sandboxEnv({ NODE_OPTIONS: "--max-old-space-size=100" });
      expect(env.TC_SANDBOX_UNIT_SECRET).toBeUndefined();
      expect(env).toMatchObject({ HOME: SANDBOX_WORKDIR, TMPDIR: "/tmp", NODE_OPTIONS: "--max-old-space-size=100", TENSORCELL_THREADS: "1" });
      expect(Object.keys(env).every((name) => ["PATH", "HOME", "TMPDIR", "LANG", "NODE_OPTIONS", "TENSORCELL_THREADS", "TENSORCELL_BACKEND", "TENSORCELL_TYPECHECK"].includes(name))).toBe(true);
    } finally {
      delete process.env.TC_SANDBOX_UNIT_SECRET;
    }
  });

  it("copies a flat submission alone, and a student's folder with its regular files (no links)", () => {
    const dir = mkdtempSync(join(tmpdir(), "tc-subfiles-"));
    mkdirSync(join(dir, "alice"));
    for (const name of ["alice/hw.ipynb", "alice/data.csv", "alice/.hidden", "bob.ipynb"]) writeFileSync(join(dir, name), "");
    mkdirSync(join(dir, "alice", "sub"));
    symlinkSync(join(dir, "bob.ipynb"), join(dir, "alice", "bobs.ipynb")); // a submitted link is never followed
    symlinkSync(join(dir, "bob.ipynb"), join(dir, "linked.ipynb"));
    expect(submissionFiles(join(dir, "bob.ipynb"), undefined)).toEqual([join(dir, "bob.ipynb")]);
    expect(submissionFiles(join(dir, "linked.ipynb"), undefined)).toEqual([]);
    expect(submissionFiles(join(dir, "alice", "hw.ipynb"), join(dir, "alice")).sort()).toEqual([join(dir, "alice", "data.csv"), join(dir, "alice", "hw.ipynb")]);
  });
});

describe("how a sandboxed kernel ended", () => {
  it("reads bwrap's 128+N exit code as killed by signal N", () => {
    expect(howItEnded(137, null, true)).toBe("killed by SIGKILL");
    expect(howItEnded(137, null, false)).toBe("exit code 137");
    expect(howItEnded(null, "SIGTERM", true)).toBe("killed by SIGTERM");
    expect(howItEnded(1, null, true)).toBe("exit code 1");
  });

  it("recognises refused allocations (ArrayBuffer, wasm growth, emscripten) in an error reply", () => {
    const reply = (ename: string, evalue: string) => ({ content: { status: "error", ename, evalue } }) as unknown as Message;
    expect(isRefusedAllocation(reply("RangeError", "Array buffer allocation failed"))).toBe(true);
    expect(isRefusedAllocation(reply("RangeError", "WebAssembly.Memory.grow(): could not allocate memory"))).toBe(true);
    expect(isRefusedAllocation(reply("RuntimeError", "Aborted(OOM)"))).toBe(true);
    expect(isRefusedAllocation(reply("TypeError", "x is not a function"))).toBe(false);
  });
});

describe("processTree", () => {
  it("finds grandchildren and sums their resident memory", async () => {
    const shell = spawn("/bin/sh", ["-c", "sleep 30 & sleep 30 & wait"], { stdio: "ignore" });
    let tree: number[] = [];
    try {
      for (let i = 0; i < 50 && tree.length < 3; i++) {
        await new Promise((done) => setTimeout(done, 50));
        tree = processTree(shell.pid!);
      }
      expect(tree).toHaveLength(3);
      expect(tree[0]).toBe(shell.pid);
      expect(treeResidentMemoryMb(shell.pid!)).toBeGreaterThan(0);
    } finally {
      for (const pid of tree.length ? tree : [shell.pid!]) process.kill(pid, "SIGKILL");
    }
    expect(processTree(2 ** 22 + 1)).toEqual([2 ** 22 + 1]);
    expect(treeResidentMemoryMb(2 ** 22 + 1)).toBeUndefined();
  });
});
