import { it } from "vitest";
import { startKernel } from "./kernel-harness.js";
it("dbg", async () => {
  const k = await startKernel({ transport: "ipc" });
  const r = await k.run("'ipc ' + 1");
  console.log(JSON.stringify(r.reply), r.outputs.map(m => m.header.msg_type), k.kernel.stderr());
  await k.client.sendRaw("shell", [Buffer.from("garbage"), Buffer.from([0, 1, 2, 255])]);
  const good = k.client.encode("kernel_info_request", {});
  const bad = [...good.frames]; bad[1] = Buffer.from("0".repeat(64));
  await k.client.sendRaw("shell", bad);
  await new Promise(r => setTimeout(r, 1000));
  console.log("STDERR", k.kernel.stderr());
  await k.stop();
});
