/**
 * Messages of the link to the Central System: the WebSocket transport (`ws.*`),
 * OCPP RPC between the actors and the rpc actor (`ocpp.*`) and the connection
 * supervisor's facts (`backend.*`).
 *
 * Private to `messages.ts`, which joins them into `BusMessage`.
 *
 * @module
 */
import type {
  CpAction,
  CpRequest,
  CpResponse,
  CsAction,
  CsRequest,
  CsResponse,
  RpcErrorCode,
} from "../ocpp/types.ts";

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

/**
 * A CALL's payload as an actor queues it: the action's request, except that
 * a StopTransaction of a transaction started offline (`tx` set) gets its
 * `transactionId` from the rpc actor when it is sent.
 */
export type CallPayload<A extends CpAction> = A extends "StopTransaction"
  ? Omit<CpRequest<A>, "transactionId"> & { readonly transactionId?: number }
  : CpRequest<A>;

/** Send a CALL; `ref` lets the caller recognise its result. */
export type OcppCall = {
  [A in CpAction]: {
    readonly type: "ocpp.call";
    readonly action: A;
    readonly payload: CallPayload<A>;
    readonly ref?: string;
    /**
     * The local number of the transaction this message belongs to: the rpc
     * actor fills in the `transactionId` the Central System assigned to it
     * when the message is sent (MeterValues, StopTransaction), or learns it
     * from the answer (StartTransaction).
     */
    readonly tx?: number;
  };
}[CpAction];

/** The CALLRESULT of a CALL of the Charge Point, with the CALL's payload. */
export type OcppResult = {
  [A in CpAction]: {
    readonly type: "ocpp.result";
    readonly action: A;
    readonly payload: CpResponse<A>;
    readonly ref?: string;
    /** The payload of the CALL this answers. */
    readonly request: CallPayload<A>;
  };
}[CpAction];

/** A CALL of the Charge Point that got no CALLRESULT. */
export type OcppFailed = {
  [A in CpAction]: {
    readonly type: "ocpp.failed";
    readonly action: A;
    readonly ref?: string;
    readonly request: CallPayload<A>;
    /** A CALLERROR code, or Offline/Timeout/Invalid when no answer came. */
    readonly code: RpcErrorCode | "Offline" | "Timeout" | "Invalid";
    readonly description: string;
  };
}[CpAction];

/** An inbound CALL from the Central System, already validated against its schema. */
export type OcppRequest = {
  [A in CsAction]: {
    readonly type: "ocpp.request";
    readonly id: string;
    readonly action: A;
    readonly payload: CsRequest<A>;
  };
}[CsAction];

/** The Charge Point's CALLRESULT to a Central System CALL. */
export type OcppReply = {
  [A in CsAction]: {
    readonly type: "ocpp.reply";
    readonly id: string;
    readonly action: A;
    readonly payload: CsResponse<A>;
  };
}[CsAction];

/** OCPP RPC, between actors and the rpc actor, typed per action (OCPP 1.6 request/response). */
export type OcppMessage =
  | OcppCall
  | OcppResult
  | OcppFailed
  | OcppRequest
  | OcppReply
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
  | { readonly type: "backend.lost" };

/**
 * The rpc actor's boundary with JSON: a CALL's action and payload as queued
 * or stored, and an answer the schema of its action accepted, as the typed
 * message of that action. Only the rpc actor builds these from JSON.
 */
export function asResult(
  action: CpAction,
  payload: unknown,
  request: unknown,
  ref?: string,
): OcppResult {
  return {
    type: "ocpp.result",
    action,
    payload,
    request,
    ...(ref !== undefined ? { ref } : {}),
  } as OcppResult;
}

/** See {@link asResult}: a CALL that got no CALLRESULT. */
export function asFailed(
  action: CpAction,
  request: unknown,
  code: OcppFailed["code"],
  description: string,
  ref?: string,
): OcppFailed {
  return {
    type: "ocpp.failed",
    action,
    request,
    code,
    description,
    ...(ref !== undefined ? { ref } : {}),
  } as OcppFailed;
}

/** See {@link asResult}: an inbound CALL its action's request schema accepted. */
export function asRequest(id: string, action: CsAction, payload: unknown): OcppRequest {
  return { type: "ocpp.request", id, action, payload } as OcppRequest;
}

/** The answer to a Central System CALL, typed by its action. */
export function reply<A extends CsAction>(
  id: string,
  action: A,
  payload: CsResponse<A>,
): OcppReply {
  return { type: "ocpp.reply", id, action, payload } as OcppReply;
}

/** A CALL of the Charge Point, typed by its action. */
export function call<A extends CpAction>(
  action: A,
  payload: CallPayload<A>,
  opts: { readonly ref?: string; readonly tx?: number } = {},
): OcppCall {
  return { type: "ocpp.call", action, payload, ...opts } as OcppCall;
}
