/**
 * The faults of one connector from several origins (the fault source, the
 * relay, the meter, the lock), reduced to what OCPP can say: one error code
 * per connector (StatusNotification, section 4.9), and a clearing that
 * clears them all (`hw.fault_cleared`). A fault clears only when none is
 * left; until then the latest one still present is the one shown.
 *
 * @module
 */
import type { Fault } from "./fault.ts";
import { FAULT_INFO_MAX_LENGTH } from "./fault.ts";

/** What to tell the bus after a change: nothing, a fault to show, or all clear. */
export type LedgerChange =
  | { readonly kind: "none" }
  | { readonly kind: "fault"; readonly fault: Fault }
  | { readonly kind: "cleared" };

/**
 * Faults of one connector by origin.
 *
 * @example Two faults, cleared one by one
 * ```ts
 * const ledger = new FaultLedger<"relay" | "meter">();
 * ledger.raise("relay", { errorCode: "PowerSwitchFailure" }); // kind "fault"
 * ledger.raise("meter", { errorCode: "PowerMeterFailure" }); // kind "fault"
 * ledger.clear("meter"); // kind "fault", PowerSwitchFailure again
 * ledger.clear("relay"); // kind "cleared"
 * ```
 */
export class FaultLedger<O extends string> {
  #faults = new Map<O, Fault>();

  /** Whether any fault is present. */
  get faulted(): boolean {
    return this.#faults.size > 0;
  }

  /** Records a fault of `origin` (its info cut to 50 characters); news only if it differs. */
  raise(origin: O, fault: Fault): LedgerChange {
    const info = fault.info?.slice(0, FAULT_INFO_MAX_LENGTH);
    const entry: Fault = info
      ? { errorCode: fault.errorCode, info }
      : { errorCode: fault.errorCode };
    const old = this.#faults.get(origin);
    if (old?.errorCode === entry.errorCode && old.info === entry.info) return { kind: "none" };
    this.#faults.delete(origin);
    this.#faults.set(origin, entry);
    return { kind: "fault", fault: entry };
  }

  /** Removes the fault of `origin`, if any. */
  clear(origin: O): LedgerChange {
    if (!this.#faults.delete(origin)) return { kind: "none" };
    const rest = [...this.#faults.values()].at(-1);
    return rest ? { kind: "fault", fault: rest } : { kind: "cleared" };
  }
}
