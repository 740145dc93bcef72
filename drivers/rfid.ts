/**
 * The RFID reader of the station (one for all connectors). Real drivers read
 * a PC/SC or serial reader; {@link SimRfidReader} in `rfid_sim.ts` is the
 * simulation. Every implementation should pass `runRfidConformance` from
 * `rfid_conformance.ts`.
 *
 * @module
 */

/** OCPP 1.6 IdToken is a CiString20Type (section 7.28). */
export const ID_TAG_MAX_LENGTH = 20;

/**
 * The station's card reader.
 *
 * @example Listen for cards
 * ```ts
 * import { SimRfidReader } from "./rfid_sim.ts";
 * const reader: RfidReader = new SimRfidReader();
 * const taps: string[] = [];
 * const off = reader.onTap((idTag) => taps.push(idTag));
 * ```
 */
export interface RfidReader {
  /**
   * Calls `fn` once for each card presented, with its id as an OCPP idTag
   * (1 to 20 characters). A card presented twice is reported twice.
   *
   * @returns The unsubscribe function (calling it again does nothing).
   */
  onTap(fn: (idTag: string) => void): () => void;
}

/**
 * Checks an idTag a reader reported.
 *
 * @returns `null` when usable, else what is wrong with it.
 *
 * @example
 * ```ts
 * checkIdTag("04A2B3C4D5E6F7"); // null
 * ```
 */
export function checkIdTag(value: unknown): string | null {
  if (typeof value !== "string") return `expected a string, got ${typeof value}`;
  if (value.trim() === "") return "it is empty";
  if (value.length > ID_TAG_MAX_LENGTH) {
    return `it has ${value.length} characters, at most ${ID_TAG_MAX_LENGTH} are allowed`;
  }
  // deno-lint-ignore no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) return "it contains control characters";
  return null;
}
