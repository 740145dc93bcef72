/**
 * The configuration keys of OCPP 1.6 chapter 9 (private to `config/`;
 * `registry.ts` joins them with the app settings): every Core key of
 * section 9.1, the Local Auth List Management keys of section 9.2 and the
 * Smart Charging keys of section 9.4 and the Reservation key of section 9.3, with
 * access, default and bounds.
 *
 * @module
 */
import type { KeyDef } from "./_types.ts";

/**
 * Measurands of OCPP 1.6 section 7.31 this meter can deliver; Current.Import
 * and Voltage per phase, also of one phase (`Voltage.L1`, section 9.1.17).
 */
const SUPPORTED_MEASURANDS = [
  "Energy.Active.Import.Register",
  "Power.Active.Import",
  "Current.Offered",
  "Power.Offered",
  "Current.Import",
  "Current.Import.L1",
  "Current.Import.L2",
  "Current.Import.L3",
  "Voltage",
  "Voltage.L1",
  "Voltage.L2",
  "Voltage.L3",
] as const;

/** The OCPP 1.6 chapter 9 keys: section 9.1 (Core), 9.2 (Local Auth List Management), 9.3 (Reservation). */
export const OCPP_KEYS = [
  // --- OCPP 1.6 section 9.1, Core profile ---
  { key: "AuthorizationCacheEnabled", kind: "boolean", access: "RW", default: true },
  { key: "AuthorizeRemoteTxRequests", kind: "boolean", access: "RW", default: false },
  { key: "BlinkRepeat", kind: "integer", access: "RW", default: 0, min: 0, max: 100 },
  {
    key: "ClockAlignedDataInterval",
    kind: "integer",
    access: "RW",
    default: 0,
    min: 0,
    max: 86400,
  },
  { key: "ConnectionTimeOut", kind: "integer", access: "RW", default: 60, min: 0, max: 86400 },
  {
    key: "ConnectorPhaseRotation",
    kind: "csl",
    access: "RW",
    default: "0.RST,1.RST",
    check: (v) =>
      String(v).split(",").every((i) =>
          /^\d+\.(NotApplicable|Unknown|RST|RTS|SRT|STR|TRS|TSR)$/.test(i.trim())
        )
        ? undefined
        : "each item must be <connectorId>.<rotation> (e.g. 1.RST)",
  },
  { key: "ConnectorPhaseRotationMaxLength", kind: "integer", access: "R", default: 4 },
  { key: "GetConfigurationMaxKeys", kind: "integer", access: "R", default: 100 },
  { key: "HeartbeatInterval", kind: "integer", access: "RW", default: 86400, min: 0, max: 604800 },
  { key: "LightIntensity", kind: "integer", access: "RW", default: 100, min: 0, max: 100 },
  { key: "LocalPreAuthorize", kind: "boolean", access: "RW", default: false },
  { key: "MaxEnergyOnInvalidId", kind: "integer", access: "RW", default: 0, min: 0 },
  {
    key: "MeterValuesAlignedData",
    kind: "csl",
    access: "RW",
    default: "Energy.Active.Import.Register",
    items: SUPPORTED_MEASURANDS,
    maxItems: 4,
  },
  { key: "MeterValuesAlignedDataMaxLength", kind: "integer", access: "R", default: 4 },
  {
    key: "MeterValuesSampledData",
    kind: "csl",
    access: "RW",
    default: "Energy.Active.Import.Register",
    items: SUPPORTED_MEASURANDS,
    maxItems: 4,
  },
  { key: "MeterValuesSampledDataMaxLength", kind: "integer", access: "R", default: 4 },
  {
    key: "MeterValueSampleInterval",
    kind: "integer",
    access: "RW",
    default: 60,
    min: 0,
    max: 86400,
  },
  { key: "MinimumStatusDuration", kind: "integer", access: "RW", default: 0, min: 0, max: 3600 },
  {
    key: "NumberOfConnectors",
    kind: "integer",
    access: "R",
    default: 1,
    min: 1,
    max: 8,
    reboot: true,
  },
  { key: "ResetRetries", kind: "integer", access: "RW", default: 3, min: 0, max: 10 },
  { key: "StopTransactionOnEVSideDisconnect", kind: "boolean", access: "RW", default: true },
  { key: "StopTransactionOnInvalidId", kind: "boolean", access: "RW", default: true },
  {
    key: "StopTxnAlignedData",
    kind: "csl",
    access: "RW",
    default: "",
    items: SUPPORTED_MEASURANDS,
    maxItems: 4,
  },
  { key: "StopTxnAlignedDataMaxLength", kind: "integer", access: "R", default: 4 },
  {
    key: "StopTxnSampledData",
    kind: "csl",
    access: "RW",
    default: "",
    items: SUPPORTED_MEASURANDS,
    maxItems: 4,
  },
  { key: "StopTxnSampledDataMaxLength", kind: "integer", access: "R", default: 4 },
  {
    key: "SupportedFeatureProfiles",
    kind: "csl",
    access: "R",
    default: "Core,FirmwareManagement,LocalAuthListManagement,RemoteTrigger,SmartCharging",
    // Section 9.1.28: the profiles this Charge Point supports as configured now.
    derive: (c) =>
      ["Core", "FirmwareManagement", "LocalAuthListManagement", "RemoteTrigger", "SmartCharging"]
        .concat(
          c.bool("ReservationEnabled") ? ["Reservation"] : [],
        ).join(","),
  },
  // Section 8 names this key (not in 9.1): the protocols of UpdateFirmware and GetDiagnostics.
  { key: "SupportedFileTransferProtocols", kind: "csl", access: "R", default: "FTP,HTTP,HTTPS" },
  { key: "SupportedFeatureProfilesMaxLength", kind: "integer", access: "R", default: 6 },
  {
    key: "TransactionMessageAttempts",
    kind: "integer",
    access: "RW",
    default: 3,
    min: 0,
    max: 100,
  },
  {
    key: "TransactionMessageRetryInterval",
    kind: "integer",
    access: "RW",
    default: 60,
    min: 0,
    max: 86400,
  },
  { key: "UnlockConnectorOnEVSideDisconnect", kind: "boolean", access: "RW", default: true },
  // --- OCPP 1.6 section 9.2, Local Auth List Management profile ---
  { key: "LocalAuthListEnabled", kind: "boolean", access: "RW", default: true },
  { key: "LocalAuthListMaxLength", kind: "integer", access: "R", default: 10000 },
  { key: "SendLocalListMaxLength", kind: "integer", access: "R", default: 10000 },
  // --- OCPP 1.6 section 9.4, Smart Charging profile ---
  { key: "ChargeProfileMaxStackLevel", kind: "integer", access: "R", default: 32 },
  {
    key: "ChargingScheduleAllowedChargingRateUnit",
    kind: "csl",
    access: "R",
    default: "Current,Power",
  },
  { key: "ChargingScheduleMaxPeriods", kind: "integer", access: "R", default: 48 },
  { key: "ConnectorSwitch3to1PhaseSupported", kind: "boolean", access: "R", default: false },
  { key: "MaxChargingProfilesInstalled", kind: "integer", access: "R", default: 64 },
  // --- OCPP 1.6 section 9.3, Reservation profile ---
  {
    key: "ReserveConnectorZeroSupported",
    setting: "reserveConnectorZeroSupported",
    kind: "boolean",
    access: "R",
    default: true,
  },
  // --- Security Whitepaper edition 2, chapter 7 (SecurityProfile and AuthorizationKey
  // are with the connection settings) ---
  { key: "AdditionalRootCertificateCheck", kind: "boolean", access: "R", default: false },
  {
    key: "CertificateSignedMaxChainSize",
    kind: "integer",
    access: "R",
    default: 10000,
    min: 1,
    max: 10000,
  },
  { key: "CertificateStoreMaxLength", kind: "integer", access: "R", default: 20, min: 1 },
  // The organizationName (O) of the Charge Point certificate's CSR (A02.FR.13); X.520
  // allows 64 characters. Empty: SignChargePointCertificate is Rejected.
  { key: "CpoName", setting: "cpoName", kind: "string", access: "RW", default: "", max: 64 },
] as const satisfies readonly KeyDef[];
