/**
 * Messages of the hardware bridge (`runtime/hardware.ts`): facts from the drivers
 * (`hw.ev_state`, `hw.meter`, …) and commands to them (`hw.set_relay`, `hw.lock`).
 *
 * Private to `messages.ts`, which joins them into `BusMessage`.
 *
 * @module
 */

/** IEC 61851-1 control pilot states: A unplugged, B plugged, C charging requested, E/F error. */
export type EvState = "A" | "B" | "C" | "E" | "F";

/** OCPP 1.6 ChargePointErrorCode (section 7.6). */
export type ChargePointErrorCode =
  | "ConnectorLockFailure"
  | "EVCommunicationError"
  | "GroundFailure"
  | "HighTemperature"
  | "InternalError"
  | "LocalListConflict"
  | "NoError"
  | "OtherError"
  | "OverCurrentFailure"
  | "OverVoltage"
  | "PowerMeterFailure"
  | "PowerSwitchFailure"
  | "ReaderFailure"
  | "ResetFailure"
  | "UnderVoltage"
  | "WeakSignal";

/** Facts from the hardware bridge (drivers), and commands to it. */
export type HwMessage =
  /** What a connector is, published once when the hardware starts. */
  | { readonly type: "hw.connector"; readonly connectorId: number; readonly fixedCable: boolean }
  | { readonly type: "hw.ev_state"; readonly connectorId: number; readonly state: EvState }
  | { readonly type: "hw.rfid"; readonly idTag: string }
  | { readonly type: "hw.relay"; readonly connectorId: number; readonly closed: boolean }
  | {
    readonly type: "hw.meter";
    readonly connectorId: number;
    /** Energy.Active.Import.Register in Wh. */
    readonly wh: number;
    /** Power.Active.Import in W. */
    readonly w: number;
    /** Current.Import (A) and Voltage (V, against neutral) of L1-L3, where the meter measures them. */
    readonly phases?: {
      readonly currentA: readonly [number, number, number];
      readonly voltageV: readonly [number, number, number];
    };
  }
  | {
    readonly type: "hw.unlocked";
    readonly connectorId: number;
    readonly result: "Unlocked" | "UnlockFailed" | "NotSupported";
  }
  | {
    readonly type: "hw.fault";
    readonly connectorId: number;
    readonly errorCode: ChargePointErrorCode;
    readonly info?: string;
  }
  | { readonly type: "hw.fault_cleared"; readonly connectorId: number }
  /** The connector lock engaged (`ok`) or could not (ConnectorLockFailure follows as `hw.fault`). */
  | { readonly type: "hw.locked"; readonly connectorId: number; readonly ok: boolean }
  | { readonly type: "hw.set_relay"; readonly connectorId: number; readonly closed: boolean }
  /** Lock the cable in the socket before energy flows (no-op for a fixed cable). */
  | { readonly type: "hw.lock"; readonly connectorId: number }
  | { readonly type: "hw.unlock"; readonly connectorId: number };
