/**
 * The evdev RFID driver reading kernel `input_event` records that the test
 * writes into a FIFO: the RFID conformance suite in two number formats,
 * lookup by name, bad input (not a number, too long, split records, a
 * fragment), and a reader that goes away and comes back.
 */
import assert from "node:assert/strict";
import { FakeClock } from "../actors/clock.ts";
import {
  convert,
  type EvdevFormat,
  EvdevRfidReader,
  findByName,
  typeEvents,
} from "./rfid_evdev.ts";
import { runRfidConformance } from "./rfid_conformance.ts";

/** A FIFO standing in for `/dev/input/eventN`, with its writer. */
async function fifo() {
  const dir = await Deno.makeTempDir({ prefix: "evdev-" });
  const path = `${dir}/event7`;
  const made = await new Deno.Command("mkfifo", { args: [path] }).output();
  assert.ok(made.success, "mkfifo");
  return {
    dir,
    path,
    async remove() {
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** A reader on a FIFO; `type()` writes key events and waits until the reader reported a card. */
async function rig(format: EvdevFormat, encode: (idTag: string) => string) {
  const f = await fifo();
  const clock = new FakeClock();
  const logs: string[] = [];
  const reader = new EvdevRfidReader({
    clock,
    device: f.path,
    format,
    log: (l, t) => logs.push(`${l}: ${t}`),
  });
  reader.start();
  const writer = await Deno.open(f.path, { write: true });
  const seen: string[] = [];
  let wake: (() => void) | null = null;
  reader.onTap((t) => {
    seen.push(t);
    wake?.();
  });
  const write = async (bytes: Uint8Array) => {
    for (let off = 0; off < bytes.length;) off += await writer.write(bytes.subarray(off));
  };
  return {
    reader,
    clock,
    logs,
    write,
    seen,
    async present(idTag: string) {
      const done = new Promise<void>((r) => wake = r);
      await write(typeEvents(encode(idTag)));
      await done;
    },
    async close() {
      await reader.close();
      writer.close();
      await f.remove();
    },
  };
}

const toDecimal = (hex: string) => BigInt(`0x${hex}`).toString(10);
const reverse = (hex: string) => hex.match(/../g)!.reverse().join("");

runRfidConformance("EvdevRfidReader (decimal as typed, hex idTag)", async () => {
  const r = await rig({ input: "decimal" }, toDecimal);
  return { driver: r.reader, present: (t) => r.present(t), close: () => r.close() };
}, { present: true });

runRfidConformance("EvdevRfidReader (decimal, reversed byte order)", async () => {
  const r = await rig({ input: "decimal", byteOrder: "reversed" }, (t) => toDecimal(reverse(t)));
  return { driver: r.reader, present: (t) => r.present(t), close: () => r.close() };
}, { present: true });

runRfidConformance("EvdevRfidReader (hex as typed)", async () => {
  const r = await rig({ input: "hex" }, (t) => t);
  return { driver: r.reader, present: (t) => r.present(t), close: () => r.close() };
}, { present: true });

Deno.test("convert() covers the usual reader formats", () => {
  assert.equal(convert("3735928559", {}), "DEADBEEF");
  assert.equal(convert("0012345678", {}), "00BC614E", "4 bytes by default");
  assert.equal(convert("12345678", { bytes: 7 }), "00000000BC614E");
  assert.equal(convert("3735928559", { byteOrder: "reversed" }), "EFBEADDE");
  assert.equal(convert("3735928559", { byteOrder: "reversed", output: "decimal" }), "4022250974");
  assert.equal(convert("0012345678", { output: "typed" }), "0012345678");
  assert.equal(convert("04A2B3C4", { input: "hex", byteOrder: "reversed" }), "C4B3A204");
  assert.deepEqual(convert("12AB", {}), { error: "not a decimal number" });
});

Deno.test("findByName() finds the event device in /proc/bus/input/devices", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/devices`;
  await Deno.writeTextFile(
    file,
    `I: Bus=0019 Vendor=0000 Product=0001 Version=0000
N: Name="Power Button"
H: Handlers=kbd event0

I: Bus=0003 Vendor=ffff Product=0035 Version=0110
N: Name="Sycreader RFID Technology Co., Ltd SYC ID&IC USB Reader"
P: Phys=usb-3f980000.usb-1.3/input0
H: Handlers=sysrq kbd leds event3
B: EV=120013
`,
  );
  try {
    assert.equal(await findByName("usb reader", file), "/dev/input/event3");
    await assert.rejects(findByName("keyboard", file), /no input device named like "keyboard"/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("EvdevRfidReader: bad input is logged and reported as no card; records may arrive split", async () => {
  const r = await rig({ input: "decimal" }, toDecimal);
  try {
    await r.write(typeEvents("12AB"));
    await r.write(typeEvents("123456789012345678901234567890"));
    const good = typeEvents("3735928559");
    const done = new Promise<void>((res) => r.reader.onTap(() => res()));
    await r.write(good.subarray(0, 37));
    await new Promise((res) => setTimeout(res, 20));
    await r.write(good.subarray(37));
    await done;
    assert.deepEqual(r.seen, ["DEADBEEF"]);
    assert.ok(r.logs.some((l) => /Cannot use RFID card "12AB": not a decimal number/.test(l)));
    assert.ok(r.logs.some((l) => /it has 26 characters, at most 20/.test(l)), r.logs.join("\n"));
  } finally {
    await r.close();
  }
});

Deno.test("EvdevRfidReader: a fragment followed by a pause is dropped", async () => {
  const r = await rig({ input: "hex" }, (t) => t);
  try {
    const fragment = typeEvents("99");
    await r.write(fragment.subarray(0, fragment.length - 3 * 24)); // no Enter
    await new Promise((res) => setTimeout(res, 20));
    r.clock.advance(1500);
    await r.present("DEADBEEF");
    assert.deepEqual(r.seen, ["DEADBEEF"]);
  } finally {
    await r.close();
  }
});

Deno.test("EvdevRfidReader: a reader that goes away is logged once and reopened", async () => {
  const f = await fifo();
  const clock = new FakeClock();
  const logs: string[] = [];
  const reader = new EvdevRfidReader({
    clock,
    device: f.path,
    retryMs: 5000,
    log: (l, t) => logs.push(`${l}: ${t}`),
  });
  const seen: string[] = [];
  reader.onTap((t) => seen.push(t));
  reader.start();
  try {
    let writer = await Deno.open(f.path, { write: true });
    writer.close(); // unplugged: the reader sees the end of the stream
    for (let i = 0; i < 100 && !logs.some((l) => l.startsWith("error")); i++) {
      await new Promise((res) => setTimeout(res, 5));
    }
    assert.ok(
      logs.some((l) =>
        /Cannot read RFID reader .*event7: device closed; retrying every 5 s/.test(l)
      ),
      logs.join("\n"),
    );
    clock.advance(5000);
    writer = await Deno.open(f.path, { write: true });
    const tapped = new Promise<void>((res) => reader.onTap(() => res()));
    await writer.write(typeEvents(toDecimal("DEADBEEF")));
    await tapped;
    assert.deepEqual(seen, ["DEADBEEF"]);
    writer.close();
  } finally {
    await reader.close();
    await f.remove();
  }
});
