/**
 * The conformance suite every {@link RfidReader} driver should pass.
 *
 * @example A driver's test file (it registers tests, so it is not run as one)
 * ```ts ignore
 * import { runRfidConformance } from "./rfid_conformance.ts";
 * import { SimRfidReader } from "./rfid_sim.ts";
 * runRfidConformance("SimRfidReader", () => {
 *   const driver = new SimRfidReader();
 *   return { driver, present: (idTag) => driver.present(idTag) };
 * }, { present: true });
 * ```
 *
 * @module
 */
import assert from "node:assert/strict";
import { checkIdTag, type RfidReader } from "./rfid.ts";
import { type Closable, conformanceCase, control } from "./_conformance.ts";

/** A fresh reader under test, with optional controls. */
export interface RfidHarness extends Closable {
  readonly driver: RfidReader;
  /**
   * Presents a card whose id, as the reader reports it, is `idTag` (needed
   * with `present`); resolves once the reader has reported it.
   */
  present?(idTag: string): void | Promise<void>;
}

/** Which optional cases apply. */
export interface RfidConformanceOptions {
  /** The harness can present cards (`present`). */
  readonly present?: boolean;
}

/** A 7-byte UID as hex, the common form of an idTag (OCPP 1.6 section 3.9). */
const CARD = "04A2B3C4D5E6F7";
const OTHER = "DEADBEEF";

/**
 * Registers the RFID reader conformance cases as `Deno.test`s.
 *
 * @param name Names the implementation in each test name.
 * @param makeDriver Makes a fresh harness for each case.
 * @param options Which optional cases apply.
 */
export function runRfidConformance(
  name: string,
  makeDriver: () => RfidHarness | Promise<RfidHarness>,
  options: RfidConformanceOptions = {},
): void {
  const presenting = options.present ?? false;
  const test = (title: string, run: boolean, fn: (h: RfidHarness) => Promise<void> | void) =>
    conformanceCase(`${name}: RfidReader ${title}`, makeDriver, run, fn);

  test("onTap() returns an unsubscribe that may be called twice", true, ({ driver }) => {
    const off = driver.onTap(() => {});
    assert.equal(typeof off, "function");
    off();
    off();
  });

  test("onTap() gives each listener the card id once, as a valid idTag", presenting, async (h) => {
    const present = control(h.present, "present", "present");
    const first: string[] = [];
    const second: string[] = [];
    h.driver.onTap((idTag) => first.push(idTag));
    h.driver.onTap((idTag) => second.push(idTag));
    await present(CARD);
    assert.deepEqual(first, [CARD]);
    assert.deepEqual(second, [CARD]);
    assert.equal(checkIdTag(first[0]), null);
  });

  test("onTap() reports a card presented twice in a row twice", presenting, async (h) => {
    const present = control(h.present, "present", "present");
    const seen: string[] = [];
    h.driver.onTap((idTag) => seen.push(idTag));
    // Start and stop with the same card are two taps in a row (OCTT TC_068).
    await present(CARD);
    await present(CARD);
    await present(OTHER);
    assert.deepEqual(seen, [CARD, CARD, OTHER]);
  });

  test("onTap() stops after unsubscribe", presenting, async (h) => {
    const present = control(h.present, "present", "present");
    const seen: string[] = [];
    const off = h.driver.onTap((idTag) => seen.push(idTag));
    await present(CARD);
    off();
    await present(OTHER);
    assert.deepEqual(seen, [CARD]);
  });
}
