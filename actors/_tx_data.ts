/**
 * Stop Transaction data (OCPP 1.6 section 3.16.x, 9.1.25, 9.1.27): the
 * measurands of StopTxnSampledData and StopTxnAlignedData of a transaction,
 * for its StopTransaction.req `transactionData` (private to the transaction
 * and meter actors).
 *
 * - `Transaction.Begin`: at its start, the measurands of both keys.
 * - `Sample.Periodic`: every MeterValueSampleInterval from its start,
 *   StopTxnSampledData (the meter actor's sample timer, `tx.data`).
 * - `Sample.Clock`: every ClockAlignedDataInterval, StopTxnAlignedData
 *   (the meter actor's aligned timer, `tx.data`).
 * - `Transaction.End`: at its end, the measurands of both keys.
 *
 * Both keys empty: no transactionData (section 3.16.5), nothing collected.
 * Bounded: besides the begin and end values at most
 * {@link MAX_TX_DATA_SAMPLES} interval values are kept, the newest ones
 * (the oldest interval value is dropped first), so a long transaction
 * grows neither memory nor the StopTransaction.req frame without limit.
 *
 * @module
 */
import type { ConfigView } from "../config/registry.ts";
import { type MeterValue, meterValue, type Reading } from "./meter.ts";

export type { MeterValue };

/** At most this many interval values (Sample.Periodic / Sample.Clock) are kept per transaction. */
export const MAX_TX_DATA_SAMPLES = 16;

/** The measurands of a comma separated configuration key. */
function list(config: ConfigView, key: "StopTxnSampledData" | "StopTxnAlignedData"): string[] {
  return config.str(key).split(",").map((s) => s.trim()).filter(Boolean);
}

/** The measurands of StopTxnSampledData and StopTxnAlignedData, each once (begin and end values). */
export function stopTxnMeasurands(config: ConfigView): string[] {
  return [
    ...new Set([...list(config, "StopTxnSampledData"), ...list(config, "StopTxnAlignedData")]),
  ];
}

/** The interval value of a transaction for `kind`, or null when its key is empty. */
export function intervalValue(
  config: ConfigView,
  kind: "sampled" | "aligned",
  reading: Reading,
  now: number,
): MeterValue | null {
  const measurands = list(config, kind === "sampled" ? "StopTxnSampledData" : "StopTxnAlignedData");
  if (measurands.length === 0) return null;
  return meterValue(
    reading,
    measurands,
    kind === "sampled" ? "Sample.Periodic" : "Sample.Clock",
    now,
  );
}

/** The begin or end value, or null when both keys are empty. */
export function edgeValue(
  config: ConfigView,
  context: "Transaction.Begin" | "Transaction.End",
  reading: Reading,
  now: number,
): MeterValue | null {
  const measurands = stopTxnMeasurands(config);
  return measurands.length === 0 ? null : meterValue(reading, measurands, context, now);
}

const isBegin = (v: MeterValue) => v.sampledValue[0]?.context === "Transaction.Begin";

/**
 * `data` with the interval value `v` added: the begin value stays, of the
 * interval values only the newest {@link MAX_TX_DATA_SAMPLES}.
 */
export function addInterval(data: readonly MeterValue[], v: MeterValue): MeterValue[] {
  const begin = data.filter(isBegin);
  const intervals = [...data.filter((d) => !isBegin(d)), v];
  return [...begin, ...intervals.slice(-MAX_TX_DATA_SAMPLES)];
}

/**
 * The end value after a restart (PowerLoss and the like): only the energy
 * register is known then (the last journaled reading), so the end value
 * holds it when one of the keys names it, and is null otherwise.
 */
export function recoveredEnd(config: ConfigView, wh: number, at: number): MeterValue | null {
  if (!stopTxnMeasurands(config).includes("Energy.Active.Import.Register")) return null;
  return meterValue(
    { wh, w: 0, phases: null, offeredA: null },
    ["Energy.Active.Import.Register"],
    "Transaction.End",
    at,
  );
}

/**
 * The `transactionData` member of StopTransaction.req: `data` and `end`;
 * none when both keys are empty now (section 3.16.5) or there is nothing.
 */
export function transactionData(
  config: ConfigView,
  data: readonly MeterValue[],
  end: MeterValue | null,
): { transactionData?: MeterValue[] } {
  if (stopTxnMeasurands(config).length === 0) return {};
  const all = end ? [...data, end] : [...data];
  return all.length ? { transactionData: all } : {};
}
