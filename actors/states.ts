/**
 * The state of each actor of the runtime, by actor name: what
 * `Bus.snapshot(name)` returns, so a status page or a test that reads an
 * actor gets its real type and a misspelt name does not compile.
 *
 * @module
 */
import type { AuthorizationState } from "./authorization.ts";
import type { RenewalState } from "./cert_renewal.ts";
import type { ConfigurationState } from "./configuration.ts";
import type { ConnectionState } from "./connection.ts";
import type { ConnectorStatusState } from "./connector_status.ts";
import type { DiagnosticsState } from "./update_gates.ts";
import type { FirmwareState } from "./update_gates.ts";
import type { MeterState } from "./meter.ts";
import type { RelayState } from "./relay.ts";
import type { ReservationState } from "./reservation.ts";
import type { RpcState } from "./rpc.ts";
import type { SmartChargingState } from "./smart_charging.ts";
import type { ScGateState } from "./smart_charging_gate.ts";
import type { SystemState } from "./system.ts";
import type { TransactionState } from "./transaction.ts";

/** Actor name -> state type. */
export interface ActorStates {
  authorization: AuthorizationState;
  cert_renewal: RenewalState;
  configuration: ConfigurationState;
  connection: ConnectionState;
  connector_status: ConnectorStatusState;
  /** The gate's and the loaded logic's (same shape). */
  diagnostics: DiagnosticsState;
  /** The gate's and the loaded logic's (same shape). */
  firmware: FirmwareState;
  meter: MeterState;
  relay: RelayState;
  reservation: ReservationState;
  rpc: RpcState;
  /** The gate until the full logic is loaded (both have `sessions`, `external`, `published`). */
  smart_charging: ScGateState | SmartChargingState;
  system: SystemState;
  transaction: TransactionState;
}

/** The name of an actor of the runtime. */
export type ActorName = keyof ActorStates;
