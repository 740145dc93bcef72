import assert from "node:assert/strict";
import { LogFile, parseLine, teeLogger } from "./log_file.ts";
import { memoryLogger } from "./log.ts";

async function inTemp(fn: (dir: string) => void | Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "logfile-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("LogFile rotates and stays within files × maxBytes, newest lines kept", () =>
  inTemp((dir) => {
    let t = Date.parse("2026-12-01T10:00:00Z");
    const log = new LogFile({ dir, maxBytes: 1000, files: 2, now: () => t });
    for (let i = 0; i < 200; i++) {
      t += 1000;
      log.log("info", `line ${i} ${"x".repeat(40)}`);
    }
    const sizes = [...Deno.readDirSync(dir)].map((e) => Deno.statSync(`${dir}/${e.name}`).size);
    assert.equal(sizes.length, 3);
    assert.ok(sizes.every((s) => s <= 1000), String(sizes));
    const tail = log.tail(3);
    assert.deepEqual(tail.map((l) => l.text.split(" ").slice(0, 2).join(" ")), [
      "line 197",
      "line 198",
      "line 199",
    ]);
    assert.equal(tail[2]!.level, "info");
    assert.equal(tail[2]!.time, new Date(t).toISOString());
    log.close();
  }));

Deno.test("LogFile keeps lines from its level up, one line per entry, secrets and URL passwords masked", () =>
  inTemp((dir) => {
    const log = new LogFile({ dir, level: "info", secrets: () => ["hunter2"] });
    log.log("debug", "not kept");
    log.log("warn", "key hunter2 in\ntwo lines");
    log.log("info", '> [2,"1","UpdateFirmware",{"location":"ftp://octt:pw123@h/fw.bin"}]');
    const lines = log.tail(10);
    assert.deepEqual(lines.map((l) => l.text), [
      "key *** in\\ntwo lines",
      '> [2,"1","UpdateFirmware",{"location":"ftp://octt:***@h/fw.bin"}]',
    ]);
    log.close();
  }));

Deno.test("LogFile.between() picks the lines of a time window", () =>
  inTemp((dir) => {
    let t = Date.parse("2026-12-01T10:00:00Z");
    const log = new LogFile({ dir, now: () => t });
    for (let i = 0; i < 10; i++) {
      log.log("info", `m${i}`);
      t += 60_000;
    }
    const from = Date.parse("2026-12-01T10:03:00Z");
    const to = Date.parse("2026-12-01T10:05:00Z");
    assert.deepEqual(log.between(from, to).map((l) => parseLine(l).text), ["m3", "m4", "m5"]);
    assert.equal(log.between().length, 10);
    log.close();
  }));

Deno.test("LogFile never throws when its directory vanishes; it counts the failure", async () => {
  const dir = await Deno.makeTempDir({ prefix: "logfile-" });
  const log = new LogFile({ dir });
  log.log("info", "one");
  log.close();
  await Deno.remove(dir, { recursive: true });
  log.log("info", "two");
  assert.equal(log.failures, 1);
  assert.deepEqual(log.tail(5), []);
});

Deno.test("teeLogger() writes to each logger", () => {
  const a: string[] = [];
  const b: string[] = [];
  teeLogger(memoryLogger(a), memoryLogger(b)).log("warn", "x");
  assert.deepEqual([a, b], [["warn x"], ["warn x"]]);
});
