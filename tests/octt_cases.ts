/**
 * The OCTT (OCA compliance test tool) Charge Point test cases of OCPP 1.6,
 * in the order of the test case document (FINAL 2024-04, chapter 2): id,
 * title and section. The README's compliance table is generated from this
 * list and the scenario tests named after the ids (`compliance.ts`).
 *
 * @module
 */

/** One OCTT Charge Point case. */
export interface OcttCase {
  readonly id: string;
  readonly title: string;
  readonly section: string;
}

/** All 102 cases. */
export const OCTT_CASES: readonly OcttCase[] = [
  { id: "TC_001", title: "Cold Boot Charge Point", section: "Cold Boot Charge Point" },
  { id: "TC_002", title: "Cold Boot Charge Point - Pending", section: "Cold Boot Charge Point" },
  {
    id: "TC_003",
    title: "Regular Charging Session - Plugin First",
    section: "Start Charging Session",
  },
  {
    id: "TC_004_1",
    title: "Regular Charging Session – Identification First",
    section: "Start Charging Session",
  },
  {
    id: "TC_004_2",
    title: "Regular Charging Session – Identification First - ConnectionTimeOut",
    section: "Start Charging Session",
  },
  {
    id: "TC_068",
    title: "Stop transaction - IdTag in StopTransaction matches IdTag in StartTransaction",
    section: "Stop Charging Session",
  },
  {
    id: "TC_069",
    title:
      "Stop transaction - ParentIdTag in StopTransaction matches ParentIdTag in StartTransaction",
    section: "Stop Charging Session",
  },
  {
    id: "TC_005_1",
    title:
      "EV Side Disconnected - StopTransactionOnEVSideDisconnect = true - UnlockConnectorOnEVSideDisconnect = true",
    section: "Stop Charging Session",
  },
  {
    id: "TC_005_2",
    title:
      "EV Side Disconnected - StopTransactionOnEVSideDisconnect = true - UnlockConnectorOnEVSideDisconnect = false",
    section: "Stop Charging Session",
  },
  {
    id: "TC_005_3",
    title:
      "EV Side Disconnected - StopTransactionOnEVSideDisconnect = false - UnlockConnectorOnEVSideDisconnect = false",
    section: "Stop Charging Session",
  },
  { id: "TC_007", title: "Regular Start Charging Session – Cached Id", section: "Cache" },
  { id: "TC_061", title: "Clear Authorization Data in Authorization Cache", section: "Cache" },
  {
    id: "TC_010",
    title: "Remote Start Charging Session – Cable Plugged in First",
    section: "Core Profile - Remote actions Happy flow",
  },
  {
    id: "TC_011_1",
    title: "Remote Start Charging Session – Remote Start First",
    section: "Core Profile - Remote actions Happy flow",
  },
  {
    id: "TC_011_2",
    title: "Remote Start Charging Session – Time Out",
    section: "Core Profile - Remote actions Happy flow",
  },
  {
    id: "TC_012",
    title: "Remote Stop Charging Session",
    section: "Core Profile - Remote actions Happy flow",
  },
  {
    id: "TC_013",
    title: "Hard Reset Without transaction",
    section: "Core Profile - Resetting Happy Flow",
  },
  {
    id: "TC_014",
    title: "Soft Reset Without Transaction",
    section: "Core Profile - Resetting Happy Flow",
  },
  {
    id: "TC_015",
    title: "Hard Reset With Transaction",
    section: "Core Profile - Resetting Happy Flow",
  },
  {
    id: "TC_016",
    title: "Soft Reset With Transaction",
    section: "Core Profile - Resetting Happy Flow",
  },
  {
    id: "TC_017_1",
    title: "Unlock connector - no charging session running (Not fixed cable)",
    section: "Core Profile - Unlocking Happy flow",
  },
  {
    id: "TC_017_2",
    title: "Unlock connector - no charging session running (Fixed cable)",
    section: "Core Profile - Unlocking Happy flow",
  },
  {
    id: "TC_018_1",
    title: "Unlock Connector - With Charging Session (Not fixed cable)",
    section: "Core Profile - Unlocking Happy flow",
  },
  {
    id: "TC_018_2",
    title: "Unlock Connector - With Charging Session (Fixed cable)",
    section: "Core Profile - Unlocking Happy flow",
  },
  {
    id: "TC_019",
    title: "Retrieve configuration",
    section: "Core Profile - Configuration Happy flow",
  },
  {
    id: "TC_021",
    title: "Change/set Configuration",
    section: "Core Profile - Configuration Happy flow",
  },
  { id: "TC_070", title: "Sampled Meter Values", section: "Meter values" },
  { id: "TC_071", title: "Clock-aligned Meter Values", section: "Meter values" },
  {
    id: "TC_023",
    title: "Start Charging Session – Authorize invalid",
    section: "Core Profile - Basic Actions Non-happy flow",
  },
  {
    id: "TC_024",
    title: "Start Charging Session - Lock Failure",
    section: "Core Profile - Basic Actions Non-happy flow",
  },
  {
    id: "TC_026",
    title: "Remote Start Charging Session – Rejected",
    section: "Core Profile - Remote Actions Non-Happy Flow",
  },
  {
    id: "TC_027",
    title: "Remote start transaction - connector id shall not be 0",
    section: "Core Profile - Remote Actions Non-Happy Flow",
  },
  {
    id: "TC_028",
    title: "Remote Stop Transaction – Rejected",
    section: "Core Profile - Remote Actions Non-Happy Flow",
  },
  {
    id: "TC_030",
    title: "Unlock Connector – Unlock Failure",
    section: "Core Profile - Unlocking Non-happy flow",
  },
  {
    id: "TC_031",
    title: "Unlock Connector – Unknown Connector",
    section: "Core Profile - Unlocking Non-happy flow",
  },
  {
    id: "TC_032_1",
    title:
      "Power failure boot charging point - configured to stop transaction(s) before going down",
    section: "Core Profile - Power Failure Non-Happy Flow",
  },
  {
    id: "TC_032_2",
    title: "Power failure boot charging point-configured to stop transaction(s)",
    section: "Core Profile - Power Failure Non-Happy Flow",
  },
  {
    id: "TC_034",
    title: "Power Failure with Unavailable Status",
    section: "Core Profile - Power Failure Non-Happy Flow",
  },
  {
    id: "TC_036",
    title: "Connection Loss During Transaction",
    section: "Core Profile - Offline behavior Non-Happy Flow",
  },
  {
    id: "TC_037_1",
    title: "Offline Start Transaction - Valid IdTag",
    section: "Core Profile - Offline behavior Non-Happy Flow",
  },
  {
    id: "TC_037_2",
    title: "Offline Start Transaction - Invalid IdTag - StopTransactionOnInvalidId = false",
    section: "Core Profile - Offline behavior Non-Happy Flow",
  },
  {
    id: "TC_037_3",
    title: "Offline Start Transaction - Invalid IdTag - StopTransactionOnInvalidId = true",
    section: "Core Profile - Offline behavior Non-Happy Flow",
  },
  {
    id: "TC_038",
    title: "Offline Stop Transaction",
    section: "Core Profile - Offline behavior Non-Happy Flow",
  },
  {
    id: "TC_039",
    title: "Offline Transaction",
    section: "Core Profile - Offline behavior Non-Happy Flow",
  },
  {
    id: "TC_040_1",
    title: "Configuration key - NotSupported",
    section: "Core Profile - Configuration Keys Non-Happy Flow",
  },
  {
    id: "TC_040_2",
    title: "Configuratoin key - Invalid value",
    section: "Core Profile - Configuration Keys Non-Happy Flow",
  },
  {
    id: "TC_041",
    title: "Fault Behavior",
    section: "Core Profile - Fault Behavior Non-Happy Flow",
  },
  {
    id: "TC_042_1",
    title: "Get Local List Version (not supported)",
    section: "Local Authorization List",
  },
  { id: "TC_042_2", title: "Get Local List Version (empty)", section: "Local Authorization List" },
  { id: "TC_043", title: "Send Local Authorization List", section: "Local Authorization List" },
  {
    id: "TC_043_1",
    title: "Send Local Authorization List - NotSupported",
    section: "Local Authorization List",
  },
  {
    id: "TC_043_2",
    title: "Send Local Authorization List - VersionMismatch",
    section: "Local Authorization List",
  },
  {
    id: "TC_043_3",
    title: "Send Local Authorization List - Failed",
    section: "Local Authorization List",
  },
  {
    id: "TC_008",
    title: "Regular Start Charging Session – Id in Local Authorization List",
    section: "Local Authorization List",
  },
  {
    id: "TC_044_1",
    title: "Firmware Update - Download and Install",
    section: "FirmwareManagement",
  },
  { id: "TC_044_2", title: "Firmware Update - Download Failed", section: "FirmwareManagement" },
  { id: "TC_044_3", title: "Firmware Update - Installation Failed", section: "FirmwareManagement" },
  { id: "TC_045_1", title: "Get Diagnostics", section: "Diagnostics" },
  { id: "TC_045_2", title: "Get Diagnostics - Upload Failed", section: "Diagnostics" },
  {
    id: "TC_046_1",
    title: "Reservation of a Connector - Local start transaction",
    section: "Reservation",
  },
  {
    id: "TC_046_2",
    title: "Reservation of a Connector - Remote start transaction",
    section: "Reservation",
  },
  { id: "TC_047", title: "Reservation of a Connector - Expire", section: "Reservation" },
  { id: "TC_048_1", title: "Reservation of a Connector - Faulted", section: "Reservation" },
  { id: "TC_048_2", title: "Reservation of a Connector - Occupied", section: "Reservation" },
  { id: "TC_048_3", title: "Reservation of a Connector - Unavailable", section: "Reservation" },
  { id: "TC_048_4", title: "Reservation of a Connector - Rejected", section: "Reservation" },
  { id: "TC_049", title: "Reservation of a Charge Point - Transaction", section: "Reservation" },
  { id: "TC_050_1", title: "Reservation of a Charge Point - Faulted", section: "Reservation" },
  { id: "TC_050_2", title: "Reservation of a Charge Point - Occupied", section: "Reservation" },
  { id: "TC_050_3", title: "Reservation of a Charge Point - Unavailable", section: "Reservation" },
  { id: "TC_050_4", title: "Reservation of a Charge Point - Rejected", section: "Reservation" },
  { id: "TC_051", title: "Cancel Reservation", section: "Reservation" },
  { id: "TC_052", title: "Cancel Reservation - Rejected", section: "Reservation" },
  { id: "TC_053", title: "Use a reserved Connector with parentIdTag", section: "Reservation" },
  { id: "TC_054", title: "Trigger Message", section: "RemoteTrigger" },
  { id: "TC_055", title: "Trigger Message - Rejected", section: "RemoteTrigger" },
  { id: "TC_056", title: "Central Smart Charging - TxDefaultProfile", section: "SmartCharging" },
  { id: "TC_057", title: "Central Smart Charging - TxProfile", section: "SmartCharging" },
  {
    id: "TC_058_1",
    title: "Central Smart Charging - No ongoing transaction",
    section: "SmartCharging",
  },
  {
    id: "TC_058_2",
    title: "Central Smart Charging - Wrong transactionId",
    section: "SmartCharging",
  },
  {
    id: "TC_082",
    title: "Central Smart Charging - TxDefaultProfile - with ongoing transaction",
    section: "SmartCharging",
  },
  { id: "TC_066", title: "Get Composite Schedule", section: "SmartCharging" },
  { id: "TC_067", title: "Clear Charging Profile", section: "SmartCharging" },
  { id: "TC_072", title: "Stacking Charging Profiles", section: "SmartCharging" },
  {
    id: "TC_059",
    title: "Remote Start Transaction with Charging Profile",
    section: "SmartCharging",
  },
  {
    id: "TC_060",
    title: "Remote Start Transaction with Charging Profile - Rejected",
    section: "SmartCharging",
  },
  { id: "TC_062", title: "Data Transfer to a Charge Point", section: "DataTransfer" },
  {
    id: "TC_073",
    title: "Update Charge Point Password for HTTP Basic Authentication",
    section: "Security",
  },
  {
    id: "TC_074",
    title: "Update Charge Point Certificate by request of Central System",
    section: "Security",
  },
  {
    id: "TC_075_1",
    title: "Install a certificate on the Charge Point - ManufacturerRootCertificate",
    section: "Security",
  },
  {
    id: "TC_075_2",
    title: "Install a certificate on the Charge Point - CentralSystemRootCertificate",
    section: "Security",
  },
  {
    id: "TC_076",
    title: "Delete a specific certificate from the Charge Point",
    section: "Security",
  },
  { id: "TC_077", title: "Invalid ChargePointCertificate Security Event", section: "Security" },
  { id: "TC_078", title: "Invalid CentralSystemCertificate Security Event", section: "Security" },
  { id: "TC_079", title: "Get Security Log", section: "Security" },
  { id: "TC_080", title: "Secure Firmware Update", section: "Security" },
  { id: "TC_081", title: "Secure Firmware Update - Invalid Signature", section: "Security" },
  { id: "TC_083", title: "Upgrade security profile", section: "Security" },
  { id: "TC_084", title: "Downgrade security profile - Rejected", section: "Security" },
  {
    id: "TC_085",
    title: "Basic Authentication - Valid username/password combination",
    section: "Security",
  },
  { id: "TC_086", title: "TLS - server-side certificate - Valid certificate", section: "Security" },
  { id: "TC_087", title: "TLS - Client-side certificate - valid certificate", section: "Security" },
];
