/**
 * OCPP 1.6 message types, taken from the official OCA JSON schemas through
 * `typed-ocpp` (types only: nothing of it is loaded at run time here).
 *
 * @module
 */
export type * as V16 from "typed-ocpp/dist/ocpp16/types.d.ts";

/** Actions a Charge Point sends (OCPP 1.6 section 4). */
export const CP_ACTIONS = [
  "Authorize",
  "BootNotification",
  "DataTransfer",
  "DiagnosticsStatusNotification",
  "FirmwareStatusNotification",
  "Heartbeat",
  "MeterValues",
  "StartTransaction",
  "StatusNotification",
  "StopTransaction",
  // Security Whitepaper edition 2, chapter 5.
  "LogStatusNotification",
  "SecurityEventNotification",
  "SignCertificate",
  "SignedFirmwareStatusNotification",
] as const;

/** Actions a Central System sends (OCPP 1.6 section 5), Security Whitepaper ones included. */
export const CS_ACTIONS = [
  "CancelReservation",
  "ChangeAvailability",
  "ChangeConfiguration",
  "ClearCache",
  "ClearChargingProfile",
  "DataTransfer",
  "GetCompositeSchedule",
  "GetConfiguration",
  "GetDiagnostics",
  "GetLocalListVersion",
  "RemoteStartTransaction",
  "RemoteStopTransaction",
  "ReserveNow",
  "Reset",
  "SendLocalList",
  "SetChargingProfile",
  "TriggerMessage",
  "UnlockConnector",
  "UpdateFirmware",
  "CertificateSigned",
  "DeleteCertificate",
  "ExtendedTriggerMessage",
  "GetInstalledCertificateIds",
  "GetLog",
  "InstallCertificate",
  "SignedUpdateFirmware",
] as const;

export type CpAction = typeof CP_ACTIONS[number];
export type CsAction = typeof CS_ACTIONS[number];

/** CALLERROR codes of OCPP-J 1.6 section 4.2.3, spelled as the spec does (errata 5.1, 5.2: not fixed in 1.6). */
export type RpcErrorCode =
  | "NotImplemented"
  | "NotSupported"
  | "InternalError"
  | "ProtocolError"
  | "SecurityError"
  | "FormationViolation"
  | "PropertyConstraintViolation"
  | "OccurenceConstraintViolation"
  | "TypeConstraintViolation"
  | "GenericError";

/** A JSON object payload. */
export type Payload = Record<string, unknown>;
