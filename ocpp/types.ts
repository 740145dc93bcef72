/**
 * OCPP 1.6 message types, taken from the official OCA JSON schemas through
 * `typed-ocpp` (types only: nothing of it is loaded at run time here).
 *
 * @module
 */
import type * as T from "typed-ocpp/dist/ocpp16/types.d.ts";
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

/**
 * A typed payload as the JSON object it is (for the outbox and the rpc
 * actor, which handle every action alike): a widening, always safe.
 */
export function json(payload: object): Payload {
  return payload as Payload;
}

/** The request (`req`) and response (`conf`) payload of each Charge Point action. */
export interface CpMessages {
  Authorize: { req: T.AuthorizeRequest; conf: T.AuthorizeResponse };
  BootNotification: { req: T.BootNotificationRequest; conf: T.BootNotificationResponse };
  DataTransfer: { req: T.DataTransferRequest; conf: T.DataTransferResponse };
  DiagnosticsStatusNotification: {
    req: T.DiagnosticsStatusNotificationRequest;
    conf: T.DiagnosticsStatusNotificationResponse;
  };
  FirmwareStatusNotification: {
    req: T.FirmwareStatusNotificationRequest;
    conf: T.FirmwareStatusNotificationResponse;
  };
  Heartbeat: { req: T.HeartbeatRequest; conf: T.HeartbeatResponse };
  MeterValues: { req: T.MeterValuesRequest; conf: T.MeterValuesResponse };
  StartTransaction: { req: T.StartTransactionRequest; conf: T.StartTransactionResponse };
  StatusNotification: { req: T.StatusNotificationRequest; conf: T.StatusNotificationResponse };
  StopTransaction: { req: T.StopTransactionRequest; conf: T.StopTransactionResponse };
}

/** The request (`req`) and response (`conf`) payload of each Central System action. */
export interface CsMessages {
  CancelReservation: { req: T.CancelReservationRequest; conf: T.CancelReservationResponse };
  ChangeAvailability: { req: T.ChangeAvailabilityRequest; conf: T.ChangeAvailabilityResponse };
  ChangeConfiguration: {
    req: T.ChangeConfigurationRequest;
    conf: T.ChangeConfigurationResponse;
  };
  ClearCache: { req: T.ClearCacheRequest; conf: T.ClearCacheResponse };
  ClearChargingProfile: {
    req: T.ClearChargingProfileRequest;
    conf: T.ClearChargingProfileResponse;
  };
  DataTransfer: { req: T.DataTransferRequest; conf: T.DataTransferResponse };
  GetCompositeSchedule: {
    req: T.GetCompositeScheduleRequest;
    conf: T.GetCompositeScheduleResponse;
  };
  GetConfiguration: { req: T.GetConfigurationRequest; conf: T.GetConfigurationResponse };
  GetDiagnostics: { req: T.GetDiagnosticsRequest; conf: T.GetDiagnosticsResponse };
  GetLocalListVersion: {
    req: T.GetLocalListVersionRequest;
    conf: T.GetLocalListVersionResponse;
  };
  RemoteStartTransaction: {
    req: T.RemoteStartTransactionRequest;
    conf: T.RemoteStartTransactionResponse;
  };
  RemoteStopTransaction: {
    req: T.RemoteStopTransactionRequest;
    conf: T.RemoteStopTransactionResponse;
  };
  ReserveNow: { req: T.ReserveNowRequest; conf: T.ReserveNowResponse };
  Reset: { req: T.ResetRequest; conf: T.ResetResponse };
  SendLocalList: { req: T.SendLocalListRequest; conf: T.SendLocalListResponse };
  SetChargingProfile: { req: T.SetChargingProfileRequest; conf: T.SetChargingProfileResponse };
  TriggerMessage: { req: T.TriggerMessageRequest; conf: T.TriggerMessageResponse };
  UnlockConnector: { req: T.UnlockConnectorRequest; conf: T.UnlockConnectorResponse };
  UpdateFirmware: { req: T.UpdateFirmwareRequest; conf: T.UpdateFirmwareResponse };
  CertificateSigned: { req: T.CertificateSignedRequest; conf: T.CertificateSignedResponse };
  DeleteCertificate: { req: T.DeleteCertificateRequest; conf: T.DeleteCertificateResponse };
  ExtendedTriggerMessage: {
    req: T.ExtendedTriggerMessageRequest;
    conf: T.ExtendedTriggerMessageResponse;
  };
  GetInstalledCertificateIds: {
    req: T.GetInstalledCertificateIdsRequest;
    conf: T.GetInstalledCertificateIdsResponse;
  };
  GetLog: { req: T.GetLogRequest; conf: T.GetLogResponse };
  InstallCertificate: { req: T.InstallCertificateRequest; conf: T.InstallCertificateResponse };
  SignedUpdateFirmware: {
    req: T.SignedUpdateFirmwareRequest;
    conf: T.SignedUpdateFirmwareResponse;
  };
}

/** The payload of a Charge Point action's CALL. */
export type CpRequest<A extends CpAction> = CpMessages[A]["req"];
/** The payload of the CALLRESULT to a Charge Point action. */
export type CpResponse<A extends CpAction> = CpMessages[A]["conf"];
/** The payload of a Central System action's CALL. */
export type CsRequest<A extends CsAction> = CsMessages[A]["req"];
/** The payload of the Charge Point's CALLRESULT to a Central System action. */
export type CsResponse<A extends CsAction> = CsMessages[A]["conf"];
