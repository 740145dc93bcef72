/**
 * Messages of the link to the Central System: the WebSocket transport (`ws.*`),
 * OCPP RPC between the actors and the rpc actor (`ocpp.*`) and the connection
 * supervisor's facts (`backend.*`).
 *
 * Private to `messages.ts`, which joins them into `BusMessage`.
 *
 * @module
 */
import type { CpAction, CsAction, Payload, RpcErrorCode } from "../ocpp/types.ts";

/** Why a backend connection is not (yet) up, for people. */
export type BackendState =
  | "disabled"
  | "connecting"
  | "booting"
  | "pending"
  | "rejected"
  | "accepted"
  | "backoff";

/** The WebSocket transport: commands to it and facts from it. */
export type WsMessage =
  /**
   * Open a connection (closing any open one first, which reports `ws.closed`
   * for it before anything of the new one). The transport reads TLS, proxy
   * and password settings from the configuration store itself.
   */
  | { readonly type: "ws.connect"; readonly url: string; readonly conn: number }
  | { readonly type: "ws.disconnect" }
  | { readonly type: "ws.send"; readonly text: string }
  | { readonly type: "ws.opened"; readonly conn: number }
  | { readonly type: "ws.closed"; readonly conn: number; readonly reason: string }
  | { readonly type: "ws.received"; readonly text: string };

/** OCPP RPC, between actors and the rpc actor. */
export type OcppMessage =
  /** Send a CALL; `ref` lets the caller recognise its result. */
  | {
    readonly type: "ocpp.call";
    readonly action: CpAction;
    readonly payload: Payload;
    readonly ref?: string;
    /**
     * The local number of the transaction this message belongs to: the rpc
     * actor fills in the `transactionId` the Central System assigned to it
     * when the message is sent (MeterValues, StopTransaction), or learns it
     * from the answer (StartTransaction).
     */
    readonly tx?: number;
  }
  | {
    readonly type: "ocpp.result";
    readonly action: CpAction;
    readonly payload: Payload;
    readonly ref?: string;
    /** The payload of the CALL this answers. */
    readonly request: Payload;
  }
  | {
    readonly type: "ocpp.failed";
    readonly action: CpAction;
    readonly ref?: string;
    readonly request: Payload;
    /** A CALLERROR code, or Offline/Timeout/Invalid when no answer came. */
    readonly code: RpcErrorCode | "Offline" | "Timeout" | "Invalid";
    readonly description: string;
  }
  /** An inbound CALL from the Central System, already validated. */
  | {
    readonly type: "ocpp.request";
    readonly id: string;
    readonly action: CsAction;
    readonly payload: Payload;
  }
  | {
    readonly type: "ocpp.reply";
    readonly id: string;
    readonly action: CsAction;
    readonly payload: Payload;
  }
  | {
    readonly type: "ocpp.reply_error";
    readonly id: string;
    readonly code: RpcErrorCode;
    readonly description: string;
  };

/** Connection supervisor facts. */
export type BackendMessage =
  | {
    readonly type: "backend.state";
    readonly state: BackendState;
    readonly reason?: string;
    readonly since: number;
  }
  | { readonly type: "backend.accepted"; readonly currentTime: string }
  | { readonly type: "backend.lost" }
  /**
   * The supervisor went back to the last working security settings after the
   * backend refused new ones (Security Whitepaper A05.FR.08).
   */
  | {
    readonly type: "backend.fallback";
    readonly fromProfile: number;
    readonly toProfile: number;
    /** The last refusal. */
    readonly reason: string;
    /** Whether the previous AuthorizationKey was restored too. */
    readonly keyRestored: boolean;
  }
  /** Connect again now, whatever the backoff (the local API's "reconnect now"). */
  | { readonly type: "backend.reconnect" };
