/**
 * OCPP-J 1.6 framing (section 4): CALL `[2, id, action, payload]`,
 * CALLRESULT `[3, id, payload]`, CALLERROR `[4, id, code, description, details]`.
 * Pure parsing and serialising; validation of payloads is in `schema.ts`.
 *
 * @module
 */
import type { RpcErrorCode } from "./types.ts";

/** A well-formed frame. */
export type Frame =
  | {
    readonly kind: "call";
    readonly id: string;
    readonly action: string;
    readonly payload: unknown;
  }
  | { readonly kind: "result"; readonly id: string; readonly payload: unknown }
  | {
    readonly kind: "error";
    readonly id: string;
    readonly code: string;
    readonly description: string;
  };

/** The outcome of parsing a text frame. */
export type ParsedFrame =
  | { readonly ok: true; readonly frame: Frame }
  /** `id` is set when the frame was a CALL whose id could be read, so it can be answered. */
  | {
    readonly ok: false;
    readonly reason: string;
    readonly id?: string;
    readonly code?: RpcErrorCode;
  };

/**
 * Parses one WebSocket text frame.
 *
 * @example
 * ```ts
 * parseFrame('[2,"1","Heartbeat",{}]'); // { ok: true, frame: { kind: "call", ... } }
 * parseFrame("nonsense"); // { ok: false, reason: "..." }
 * ```
 */
export function parseFrame(text: string): ParsedFrame {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { ok: false, reason: "Cannot parse frame: not JSON" };
  }
  if (!Array.isArray(data) || data.length < 3) {
    return { ok: false, reason: "Cannot parse frame: not an OCPP-J message array" };
  }
  const [typeId, id] = data;
  if (typeof id !== "string" || id.length === 0 || id.length > 36) {
    return {
      ok: false,
      reason: "Cannot parse frame: message id must be a string of 1-36 characters",
    };
  }
  switch (typeId) {
    case 2: {
      const [, , action, payload] = data;
      if (data.length !== 4 || typeof action !== "string") {
        return {
          ok: false,
          id,
          code: "FormationViolation",
          reason: "Cannot parse CALL: expected [2, id, action, payload]",
        };
      }
      return { ok: true, frame: { kind: "call", id, action, payload } };
    }
    case 3:
      if (data.length !== 3) {
        return { ok: false, reason: "Cannot parse CALLRESULT: expected [3, id, payload]" };
      }
      return { ok: true, frame: { kind: "result", id, payload: data[2] } };
    case 4: {
      const [, , code, description] = data;
      if (typeof code !== "string") {
        return { ok: false, reason: "Cannot parse CALLERROR: errorCode must be a string" };
      }
      return {
        ok: true,
        frame: {
          kind: "error",
          id,
          code,
          description: typeof description === "string" ? description : "",
        },
      };
    }
    default:
      return {
        ok: false,
        reason: `Cannot parse frame: unknown message type ${JSON.stringify(typeId)}`,
      };
  }
}

/** Serialises a CALL. */
export function callFrame(id: string, action: string, payload: object): string {
  return JSON.stringify([2, id, action, payload]);
}

/** Serialises a CALLRESULT. */
export function resultFrame(id: string, payload: object): string {
  return JSON.stringify([3, id, payload]);
}

/** Serialises a CALLERROR; the description is cut to 255 characters. */
export function errorFrame(id: string, code: RpcErrorCode, description: string): string {
  return JSON.stringify([4, id, code, description.slice(0, 255), {}]);
}
