/**
 * Messages of status, availability, configuration and the system (`status.*`,
 * `availability.*`, `trigger`, `config.*`, `system.*`, `clock.*`, `log`).
 *
 * Private to `messages.ts`, which joins them into `BusMessage`.
 *
 * @module
 */
import type { ChargePointErrorCode } from "./_messages_hw.ts";

/** OCPP 1.6 ChargePointStatus (section 7.7). */
export type ConnectorStatus =
  | "Available"
  | "Preparing"
  | "Charging"
  | "SuspendedEVSE"
  | "SuspendedEV"
  | "Finishing"
  | "Reserved"
  | "Unavailable"
  | "Faulted";

/** Messages TriggerMessage.req can ask for (OCPP 1.6 section 5.17). */
export type TriggerableMessage =
  | "BootNotification"
  | "DiagnosticsStatusNotification"
  | "FirmwareStatusNotification"
  | "Heartbeat"
  | "MeterValues"
  | "StatusNotification";

/** Availability, status and system facts. */
export type SystemMessage =
  | {
    readonly type: "status.changed";
    readonly connectorId: number;
    readonly status: ConnectorStatus;
    readonly errorCode: ChargePointErrorCode;
  }
  | {
    readonly type: "availability.changed";
    readonly connectorId: number;
    readonly operative: boolean;
  }
  | {
    readonly type: "trigger";
    readonly message: TriggerableMessage;
    readonly connectorId?: number;
  }
  | {
    readonly type: "config.changed";
    readonly key: string;
    readonly value: string | number | boolean;
  }
  | {
    readonly type: "config.write";
    readonly key: string;
    readonly value: string | number | boolean;
  }
  | { readonly type: "system.restart"; readonly kind: "Soft" | "Hard" }
  /** The clock was set (to the Central System's time) and moved by `shiftMs`. */
  | { readonly type: "clock.set"; readonly shiftMs: number }
  | { readonly type: "system.started" }
  | {
    readonly type: "log";
    readonly level: "debug" | "info" | "warn" | "error";
    readonly text: string;
  };
