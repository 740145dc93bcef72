/**
 * Messages of smart charging (`sc.*`): profiles to store, the limits the
 * smart charging actor publishes, and the local limits beside OCPP.
 *
 * Private to `messages.ts`, which joins them into `BusMessage`.
 *
 * @module
 */
import type { ChargingProfile, Installed, LocalLimit } from "./composite_schedule.ts";

/** Where a connector's limit comes from: a charging profile, the installer's rating, the local API. */
export type LimitSource = "ocpp" | "installer" | "external";

/** A change to the stored charging profiles, all or nothing. */
export type ProfileChange =
  /** Install one, removing those it replaces (same id, or same stackLevel and purpose there). */
  | { readonly kind: "put"; readonly installed: Installed; readonly replaces: readonly number[] }
  | { readonly kind: "delete"; readonly ids: readonly number[] };

/** Smart charging facts and commands. */
export type ScMessage =
  /** Store a change; with `ref`, `sc.persisted` answers once it is on disk (or failed). */
  | { readonly type: "sc.persist"; readonly change: ProfileChange; readonly ref?: string }
  | { readonly type: "sc.persisted"; readonly ref: string; readonly ok: boolean }
  /** RemoteStartTransaction carried a TxProfile for the session it starts on this connector. */
  | {
    readonly type: "sc.remote_profile";
    readonly connectorId: number;
    readonly idTag: string;
    readonly profile: ChargingProfile;
  }
  /** The external limit of the local API (`PUT /api/limit`), or none. */
  | { readonly type: "sc.external_limit"; readonly limit: LocalLimit | null }
  /**
   * The current a connector may offer now, A per phase (0: paused, below
   * the 6 A of IEC 61851-1), and what limits it. Published at every change.
   */
  | {
    readonly type: "sc.limit";
    readonly connectorId: number;
    readonly currentA: number;
    readonly source: LimitSource;
  };
