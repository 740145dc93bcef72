/**
 * A simulated RFID reader: cards are presented by calling `present`.
 *
 * @module
 */
import type { RfidReader } from "./rfid.ts";

/**
 * A simulated reader. It passes any string on as it is, so tests can feed
 * the runtime bad tags too.
 *
 * @example Present a card
 * ```ts
 * const reader = new SimRfidReader();
 * reader.onTap((idTag) => idTag); // "CARD1"
 * reader.present("CARD1");
 * ```
 */
export class SimRfidReader implements RfidReader {
  #listeners = new Set<(idTag: string) => void>();

  /** Calls `fn` for each card; returns the unsubscribe function. */
  onTap(fn: (idTag: string) => void): () => void {
    const listener = (idTag: string) => fn(idTag);
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Presents a card to the reader. */
  present(idTag: string): void {
    for (const fn of [...this.#listeners]) fn(idTag);
  }
}
