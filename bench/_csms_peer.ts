/**
 * The loopback Central System of `tests/csms.ts` in its own process, so a
 * bench measures the CPU time of the runtime without the backend's: prints
 * its URL on the first line of stdout and runs until killed.
 *
 * @module
 */
import { Csms } from "../tests/csms.ts";

const csms = await Csms.start();
await Deno.stdout.write(new TextEncoder().encode(csms.url + "\n"));
// Keep only the count: a day of charging is thousands of CALLs.
setInterval(() => csms.received.splice(0), 1000);
let offset = 0;
csms.now = () => Date.now() + offset;
let buffered = "";
for await (const chunk of Deno.stdin.readable.pipeThrough(new TextDecoderStream())) {
  buffered += chunk;
  const lines = buffered.split("\n");
  buffered = lines.pop()!;
  const last = Number(lines.at(-1));
  if (Number.isFinite(last) && last > 0) offset = last - Date.now();
}
