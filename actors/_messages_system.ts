/**
 * Messages of status, availability, configuration and the system (`status.*`,
 * `availability.*`, `trigger`, `config.*`, `system.*`, `clock.*`, `log`).
 *
 * Private to `messages.ts`, which joins them into `BusMessage`.
 *
 * @module
 */
import type { ChargePointErrorCode } from "./_messages_hw.ts";
import type { CsRequest } from "../ocpp/types.ts";

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
export type TriggerableMessage = CsRequest<"TriggerMessage">["requestedMessage"];

/** Availability, status and system facts. */
/** The ChangeConfiguration.req a `config.write` answers once the value is stored. */
export interface ConfigRequest {
  readonly id: string;
  readonly status: "Accepted" | "RebootRequired";
}

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
  /** An actor asks the shell to store a setting (on disk before `config.written`). */
  | {
    readonly type: "config.write";
    readonly key: string;
    readonly value: string | number | boolean;
    /** The ChangeConfiguration.req this write answers, and its answer once stored. */
    readonly request?: ConfigRequest;
  }
  /**
   * The outcome of a `config.write`: stored (`config.changed` follows), or
   * not (the old value stays, `reason` says why).
   */
  | {
    readonly type: "config.written";
    readonly key: string;
    readonly value: string | number | boolean;
    readonly ok: boolean;
    readonly reason?: string;
    readonly request?: ConfigRequest;
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
