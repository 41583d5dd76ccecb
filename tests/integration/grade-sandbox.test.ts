/**
 * The grading sandbox against hostile submissions (real `tensorcell grade`
 * runs, real kernels in bubblewrap): one correct submission and one per
 * attack (tests/fixtures/grade-attacks.ts). For every attack nothing outside
 * changes (file hashes, a loopback listener, stray processes, the host's
 * /tmp), the correct submission and the honest part of each hostile one get
 * their true scores, the report is intact, and grading in another order
 * (the correct submission after every attack that writes or spawns) gives
 * the same scores. Then: the read attacks do work without the sandbox
 * (so their failure above is the sandbox's doing), --no-sandbox warns, and a
 * missing or broken bubblewrap stops grade with one line naming the package.
 */
import { createHash, randomBytes } from "node:crypto";
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { attacks, READ_ATTACKS, STRAY_SLEEP, WRONG_ANSWER, type AttackTargets } from "../fixtures/grade-attacks.js";
import { tempDir, tensorcell, writeTestNotebook } from "./headless-cli.js";

type Report = { submissions: { name: string; score: number; maxScore: number; notes: string[]; error?: string; tests: { gradeId: string; outcome: string; points: number; detail: string }[] }[] };

const nbg = (grade_id: string, extra: object) => ({ nbgrader: { grade: false, solution: false, locked: false, schema_version: 3, grade_id, ...extra } });
const answer = (id: string, source: string) => ({ source, metadata: nbg(id, { solution: true }) });
const test = (id: string, source: string, points: number) => ({ source, metadata: nbg(id, { grade: true, locked: true, points }) });

const marker = (kind: string) => `${kind}-SECRET-${randomBytes(6).toString("hex")}`;
const secretVariable = "TC_GRADER_SECRET";
const secretValue = marker("GRADER");

/** Every file under a folder with its SHA-256 (relative paths). */
function hashes(root: string, skip: (path: string) => boolean = () => false): Record<string, string> {
  const found: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (skip(path)) continue;
      if (entry.isDirectory()) walk(path);
      else found[relative(root, path)] = createHash("sha256").update(readFileSync(path)).digest("hex");
    }
  };
  walk(root);
  return found;
}

/** Processes still running `sleep STRAY_SLEEP` (what spawn-200 started). */
function strayProcesses(): string[] {
  const found: string[] = [];
  for (const pid of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").includes(STRAY_SLEEP)) found.push(pid);
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

const hostTmpPwned = () => readdirSync(tmpdir()).filter((name) => name.startsWith("pwned"));

describe("grading hostile submissions in the sandbox", () => {
  let course: string;
  let listener: Server;
  const connections: string[] = [];
  let port = 0;
  let targets: AttackTargets;
  let before: Record<string, string>;
  let distBefore: Record<string, string>;
  const dist = resolve("dist");
  const names: string[] = [];

  beforeAll(async () => {
    listener = createServer((socket) => {
      connections.push(`${socket.remoteAddress}:${socket.remotePort}`);
      socket.destroy();
    });
    await new Promise<void>((done) => listener.listen(0, "127.0.0.1", done));
    port = (listener.address() as { port: number }).port;

    course = tempDir("tc-sandbox-course-");
    for (const dir of ["source", "hidden-tests", "submissions", "home", "reports"]) mkdirSync(join(course, dir));
    writeFileSync(join(course, "home", "secret.txt"), `${marker("GRADER")}\n`);
    writeFileSync(join(course, "hidden-tests", "t1.ts"), `// ${marker("HIDDEN")}\nassertEqual(square(-4), 16);\n`);
    writeTestNotebook(join(course, "source"), "assignment.ipynb", [
      answer("a1", `// BEGIN SOLUTION\n// ${marker("SOLUTION")}\nfunction square(x: number): number {\n  return x * x;\n}\n// END SOLUTION`),
      test("t1", "assertEqual(square(3), 9);", 2),
      answer("a2", "// BEGIN SOLUTION\nfunction add(a: number, b: number): number {\n  return a + b;\n}\n// END SOLUTION"),
      test("t2", "assertEqual(add(2, 3), 5);", 1),
      test("t-clean", "assertEqual((globalThis as any).LEAKS ?? [], []);", 1),
    ]);
    const distFile = readdirSync(join(dist, "chunks")).find((name) => name.endsWith(".js"))!;
    targets = {
      hiddenTest: join(course, "hidden-tests", "t1.ts"),
      source: join(course, "source", "assignment.ipynb"),
      otherSubmission: join(course, "submissions", "correct.ipynb"),
      report: join(course, "reports", "report.json"),
      home: join(course, "home"),
      homeFile: join(course, "home", "secret.txt"),
      distFile: join(dist, "chunks", distFile),
      port,
      secretVariable,
    };
    const add = answer("a2", "function add(a: number, b: number): number {\n  return a + b;\n}");
    const write = (name: string, a1: string) => {
      writeTestNotebook(join(course, "submissions"), `${name}.ipynb`, [answer("a1", a1), test("t1", "assertEqual(square(3), 9);", 2), add, test("t2", "assertEqual(add(2, 3), 5);", 1)]);
      names.push(name);
    };
    write("correct", `// ${marker("STUDENT")}\nfunction square(x: number): number {\n  return x * x;\n}`);
    for (const [name, attack] of Object.entries(attacks(targets))) {
      write(name, `${attack}\nfunction square(x: number): number {\n  return ${WRONG_ANSWER.has(name) ? "x + x" : "x * x"};\n}`);
    }
    names.sort();
    // A report from an earlier run, for write-report to aim at.
    writeFileSync(targets.report, '{"submissions": []}\n');
    before = hashes(course, (path) => path === targets.report);
    distBefore = hashes(dist);
  });

  afterAll(async () => {
    await new Promise((done) => listener?.close(done));
  });

  const grade = (submissions: string, report: string, extra: string[] = []) =>
    tensorcell(["grade", targets.source, submissions, "--tests", join(course, "hidden-tests"), "--timeout", "30", "--memory", "512", "--disk", "64", "--jobs", "2", "-o", report, ...extra], {
      env: { HOME: targets.home, [secretVariable]: secretValue },
      timeoutMs: 240_000,
    });

  /** The true score of each submission: attacks that kill their kernel lose a1's test (and the t-clean state), wrong answers lose t1. */
  const expected = (name: string): { score: string; t1: string } => {
    if (name === "alloc-8gb") return { score: "2/4", t1: "memory" };
    if (WRONG_ANSWER.has(name)) return { score: "2/4", t1: "failed" };
    return { score: "4/4", t1: "passed" };
  };

  const checkOutside = () => {
    expect(connections, "the loopback listener got connections").toEqual([]);
    expect(strayProcesses(), "processes of spawn-200 outlived grading").toEqual([]);
    expect(hostTmpPwned(), "files appeared in the host's temp folder").toEqual([]);
    expect(hashes(dist), "the package's dist/ changed").toEqual(distBefore);
  };

  let firstScores: Record<string, string> = {};

  it("keeps every attack inside: true scores, intact files and report, no connection, no stray process", async () => {
    const result = await grade(join(course, "submissions"), targets.report);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toMatch(/no-sandbox/);
    const report = JSON.parse(readFileSync(targets.report, "utf8")) as Report;
    expect(report.submissions.map((s) => s.name)).toEqual(names);
    const by = Object.fromEntries(report.submissions.map((s) => [s.name, s]));
    for (const name of names) {
      const graded = by[name]!;
      const t1 = graded.tests.find((t) => t.gradeId === "t1")!;
      const clean = graded.tests.find((t) => t.gradeId === "t-clean")!;
      const summary = `${name}: ${graded.score}/${graded.maxScore} ${JSON.stringify(graded.tests)} ${graded.notes.join("; ")} ${graded.error ?? ""}`;
      expect(graded.error, summary).toBeUndefined();
      expect(clean.outcome, summary).toBe("passed");
      expect(`${graded.score}/${graded.maxScore}`, summary).toBe(expected(name).score);
      expect(t1.outcome, summary).toBe(expected(name).t1);
      expect(graded.tests.find((t) => t.gradeId === "t2")!.outcome, summary).toBe("passed");
    }
    // The 8 GB allocation: stopped, and said so in its row (not a grader crash, not a plain failure).
    expect(by["alloc-8gb"]!.tests.find((t) => t.gradeId === "t1")!.detail).toMatch(/killed: memory limit of 512 MiB/);
    // Fake success on stdout changes nothing: the failing test says what failed.
    expect(by["fake-pass"]!.tests.find((t) => t.gradeId === "t1")!.detail).toMatch(/^test "t1" failed: AssertionError: expected 9, got 6/);
    expect(result.stdout).toMatch(/fake-pass +2 \/ 4 /);
    checkOutside();
    expect(hashes(course, (path) => path === targets.report)).toEqual(before);
    firstScores = Object.fromEntries(report.submissions.map((s) => [s.name, `${s.score}/${s.maxScore}`]));
  }, 300_000);

  it("gives the same scores in the reverse order, the correct submission graded after every attack that writes or spawns", async () => {
    // Read-only attacks cannot leave anything behind for a later submission; these could, if the sandbox let them.
    const persistent = ["write-hidden-tests", "write-report", "write-other-submission", "write-home", "spawn-shell", "spawn-200", "kill-parent", "replace-helpers"];
    const order = [...persistent.sort().reverse(), "correct"];
    const reversed = join(course, "reversed");
    mkdirSync(reversed);
    // SUBMISSIONS_DIR/<student>/ layout, numbered so that sorting gives this order.
    order.forEach((name, i) => {
      const folder = join(reversed, `${String(i).padStart(2, "0")}-${name}`);
      mkdirSync(folder);
      copyFileSync(join(course, "submissions", `${name}.ipynb`), join(folder, "submission.ipynb"));
    });
    const csvPath = join(course, "reports", "reversed.csv");
    const result = await grade(reversed, csvPath);
    expect(result.code, result.stderr).toBe(0);
    const rows = readFileSync(csvPath, "utf8").trim().split("\n").slice(1);
    const scores: Record<string, string> = {};
    for (const row of rows) {
      const [submission, score, max] = row.split(",");
      scores[submission!.replace(/^\d+-/, "").replace(/\/submission$/, "")] = `${score}/${max}`;
    }
    expect(Object.keys(scores)).toEqual(order);
    expect(scores).toEqual(Object.fromEntries(order.map((name) => [name, firstScores[name]])));
    checkOutside();
    expect(hashes(course, (path) => path.startsWith(join(course, "reports")) || path.startsWith(reversed))).toEqual(
      Object.fromEntries(Object.entries(before).filter(([path]) => !path.startsWith("reports"))),
    );
  }, 300_000);
});

describe("without the sandbox", () => {
  it("the read attacks do get through with --no-sandbox, which warns", async () => {
    const course = tempDir("tc-nosandbox-course-");
    for (const dir of ["source", "hidden-tests", "submissions", "home"]) mkdirSync(join(course, dir));
    writeFileSync(join(course, "home", "secret.txt"), `${marker("GRADER")}\n`);
    writeFileSync(join(course, "hidden-tests", "t1.ts"), `// ${marker("HIDDEN")}\nassertEqual(square(-4), 16);\n`);
    const source = writeTestNotebook(join(course, "source"), "assignment.ipynb", [
      answer("a1", `// BEGIN SOLUTION\n// ${marker("SOLUTION")}\nfunction square(x: number): number {\n  return x * x;\n}\n// END SOLUTION`),
      test("t1", "assertEqual(square(3), 9);", 2),
      test("t-clean", "assertEqual((globalThis as any).LEAKS ?? [], []);", 1),
    ]);
    writeTestNotebook(join(course, "submissions"), "correct.ipynb", [answer("a1", `// ${marker("STUDENT")}\nfunction square(x: number): number {\n  return x * x;\n}`)]);
    const targets: AttackTargets = {
      hiddenTest: join(course, "hidden-tests", "t1.ts"),
      source,
      otherSubmission: join(course, "submissions", "correct.ipynb"),
      report: join(course, "report.json"),
      home: join(course, "home"),
      homeFile: join(course, "home", "secret.txt"),
      distFile: "/nonexistent",
      port: 9,
      secretVariable,
    };
    const all = attacks(targets);
    for (const name of READ_ATTACKS) writeTestNotebook(join(course, "submissions"), `${name}.ipynb`, [answer("a1", `${all[name]}\nfunction square(x: number): number {\n  return x * x;\n}`)]);
    const result = await tensorcell(["grade", source, join(course, "submissions"), "--tests", join(course, "hidden-tests"), "--no-sandbox", "--jobs", "2", "-q", "-o", targets.report], {
      env: { HOME: targets.home, [secretVariable]: secretValue },
      timeoutMs: 120_000,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr.split("\n")[0]).toBe(
      "tensorcell: warning: --no-sandbox: student code runs with your rights; it can read the hidden tests and other submissions, change files and use the network",
    );
    const report = JSON.parse(readFileSync(targets.report, "utf8")) as Report;
    const clean = Object.fromEntries(report.submissions.map((s) => [s.name, s.tests.find((t) => t.gradeId === "t-clean")!]));
    expect(clean.correct!.outcome).toBe("passed");
    for (const name of READ_ATTACKS) expect(clean[name]!.outcome, `${name} read nothing without the sandbox: ${clean[name]!.detail}`).toBe("failed");
  }, 180_000);
});

describe("when bubblewrap is missing or refused", () => {
  let course: string;
  let source: string;
  beforeAll(() => {
    course = tempDir("tc-nobwrap-");
    source = writeTestNotebook(course, "assignment.ipynb", [answer("a1", "const one = 1;"), test("t1", "assertEqual(one, 1);", 1)]);
    mkdirSync(join(course, "subs"));
    writeTestNotebook(join(course, "subs"), "s.ipynb", [answer("a1", "const one = 1;")]);
  });

  const expectOneLine = (result: { code: number; stderr: string; stdout: string }, pattern: RegExp) => {
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    const lines = result.stderr.trim().split("\n");
    expect(lines, result.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(pattern);
  };

  it("no bwrap on PATH: one line naming the Debian package, nothing graded", async () => {
    const result = await tensorcell(["grade", source, join(course, "subs"), "-o", join(course, "r.csv")], { env: { PATH: "/nonexistent" } });
    expectOneLine(result, /^tensorcell: bwrap not found on PATH: install the Debian package bubblewrap \(apt-get install bubblewrap\), or pass --no-sandbox/);
    expect(existsSync(join(course, "r.csv"))).toBe(false);
  });

  it("TENSORCELL_BWRAP naming a missing program: one line", async () => {
    const result = await tensorcell(["grade", source, join(course, "subs")], { env: { TENSORCELL_BWRAP: "/nonexistent/bwrap" } });
    expectOneLine(result, /^tensorcell: TENSORCELL_BWRAP=\/nonexistent\/bwrap is not an executable file; install the Debian package bubblewrap/);
  });

  it("a bwrap that cannot create namespaces: one line with bwrap's own words", async () => {
    const fake = join(course, "bin");
    mkdirSync(fake);
    chmodSync(course, 0o755);
    writeFileSync(join(fake, "bwrap"), "#!/bin/sh\necho 'bwrap: No permissions to creating new namespace, likely because the kernel does not allow non-privileged user namespaces.' >&2\nexit 1\n");
    chmodSync(join(fake, "bwrap"), 0o755);
    const result = await tensorcell(["grade", source, join(course, "subs")], { env: { TENSORCELL_BWRAP: join(fake, "bwrap") } });
    expectOneLine(result, /^tensorcell: bubblewrap \(Debian package bubblewrap, .*\) cannot create the grading sandbox here: bwrap: No permissions to creating new namespace.*user namespaces.*or pass --no-sandbox/);
  });

  it("--cwd without --no-sandbox is refused with the way to give files", async () => {
    const result = await tensorcell(["grade", source, join(course, "subs"), "--cwd", course]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^tensorcell: --cwd applies with --no-sandbox only: .*--files DIR/);
  });
});

describe("sandbox folder contents", () => {
  it("a kernel sees its own submission's files and --files read-only, and nothing of the course", async () => {
    const course = tempDir("tc-sandbox-files-");
    chmodSync(course, 0o755); // as root, the sandbox runs as nobody, who must be able to enter the --files folder
    const source = writeTestNotebook(course, "assignment.ipynb", [
      answer("a1", "// BEGIN SOLUTION\nconst seen = 0;\n// END SOLUTION"),
      test("t1", 'assertEqual(seen, ["data.csv", "notes.txt", "work.ipynb"]);', 1),
      test("t2", 'assertEqual(require("node:fs").readFileSync("data.csv", "utf8"), "x,y\\n1,2\\n");', 1),
      test("t3", 'assertThrows(() => require("node:fs").writeFileSync("data.csv", "changed"));', 1),
    ]);
    mkdirSync(join(course, "data"));
    writeFileSync(join(course, "data", "data.csv"), "x,y\n1,2\n");
    mkdirSync(join(course, "subs", "alice"), { recursive: true });
    writeFileSync(join(course, "subs", "alice", "notes.txt"), "mine");
    writeFileSync(join(course, "subs", "alice", "data.csv"), "x,y\n1,1000\n"); // a student's own data.csv does not replace the instructor's
    writeTestNotebook(join(course, "subs", "alice"), "work.ipynb", [answer("a1", 'const seen = require("node:fs").readdirSync(".").sort();')]);
    const result = await tensorcell(["grade", source, join(course, "subs"), "--files", join(course, "data"), "-o", join(course, "r.json"), "-q"]);
    expect(result.code, result.stderr).toBe(0);
    const graded = (JSON.parse(readFileSync(join(course, "r.json"), "utf8")) as Report).submissions[0]!;
    expect(graded.tests.map((t) => `${t.gradeId}:${t.outcome} ${t.detail}`)).toEqual(["t1:passed ", "t2:passed ", "t3:passed "]);
    expect(statSync(join(course, "data", "data.csv")).size).toBe(8);
    if (process.getuid?.() === 0) {
      // mkdtemp's folders are 0700: nobody cannot enter them, and grade says so before starting anything.
      const hidden = tempDir("tc-sandbox-private-");
      const refused = await tensorcell(["grade", source, join(course, "subs"), "--files", hidden]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(new RegExp(`^tensorcell: --files .*: sandboxed kernels run as nobody \\(uid 65534\\) when grading as root, and others may not enter ${hidden}`));
    }
  }, 120_000);
});
