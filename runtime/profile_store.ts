/**
 * Charging profiles in the durable store (`storage.ts`), so they survive
 * reboots and power cuts (errata 3.37). The smart charging actor emits each
 * change as `sc.persist`; {@link spawnSmartCharging} writes it in one SQLite
 * transaction before the bus delivers the next message and answers
 * `sc.persisted` when asked, so SetChargingProfile is Accepted only once the
 * profile is on disk.
 *
 * TxProfiles end with their transaction (section 3.13.1), and no
 * transaction outlives a restart of the runtime (an interrupted one is
 * stopped, a resumed one is a new transaction): {@link ProfileStore.load}
 * removes the stored ones.
 *
 * @module
 */
import { type Bus, errorText } from "../actors/bus.ts";
import type { ProfileChange } from "../actors/messages.ts";
import type { ChargingProfile, Installed } from "../actors/composite_schedule.ts";
import { smartChargingGate } from "../actors/smart_charging_gate.ts";
import { type Storage, StorageError } from "./storage.ts";

const MIGRATION = `
CREATE TABLE charging_profile (
  id INTEGER PRIMARY KEY, connector_id INTEGER NOT NULL, purpose TEXT NOT NULL,
  profile TEXT NOT NULL, installed_at INTEGER NOT NULL);
`;

interface Row {
  readonly connector_id: number;
  readonly profile: string;
  readonly installed_at: number;
}

/** The charging profile table. */
export class ProfileStore {
  readonly #s: Storage;

  /** Creates the table on first use. */
  constructor(storage: Storage) {
    this.#s = storage;
    storage.migrate("charging_profile_1", MIGRATION);
  }

  /**
   * Reads the installed profiles back, without the TxProfiles of transactions that ended.
   *
   * @throws {StorageError} when a stored profile cannot be read.
   */
  load(): Installed[] {
    const db = this.#s.db;
    try {
      const rows = db.prepare(
        "SELECT connector_id, purpose, profile, installed_at FROM charging_profile ORDER BY id",
      ).all() as unknown as (Row & { readonly purpose: string })[];
      if (rows.some((r) => r.purpose === "TxProfile")) {
        db.prepare("DELETE FROM charging_profile WHERE purpose = 'TxProfile'").run();
      }
      return rows.filter((r) => r.purpose !== "TxProfile").map((row) => {
        const profile = JSON.parse(row.profile) as ChargingProfile;
        if (typeof profile?.chargingProfileId !== "number" || !profile.chargingSchedule) {
          throw new TypeError(`bad charging profile on connector ${row.connector_id}`);
        }
        return { connectorId: row.connector_id, profile, installedAt: row.installed_at };
      });
    } catch (err) {
      throw new StorageError(`Cannot load charging profiles: ${errorText(err)}`, { cause: err });
    }
  }

  /** Makes one change durable, all or nothing. */
  apply(change: ProfileChange): void {
    const db = this.#s.db;
    this.#s.transaction(() => {
      const del = db.prepare("DELETE FROM charging_profile WHERE id = ?");
      for (const id of change.kind === "put" ? change.replaces : change.ids) del.run(id);
      if (change.kind === "put") {
        const { installed: i } = change;
        db.prepare(
          "INSERT OR REPLACE INTO charging_profile (id, connector_id, purpose, profile, installed_at) VALUES (?, ?, ?, ?, ?)",
        ).run(
          i.profile.chargingProfileId,
          i.connectorId,
          i.profile.chargingProfilePurpose,
          JSON.stringify(i.profile),
          i.installedAt,
        );
      }
    });
  }
}

/**
 * Spawns the smart charging actor on a new bus with the stored profiles and
 * writes its changes to the store. Profiles that cannot be read are reported
 * with `problem` and the actor starts without them. It starts as its gate
 * (`smart_charging_gate.ts`); the full logic is loaded at once when profiles
 * are stored, else at first use.
 */
export function spawnSmartCharging(
  bus: Bus,
  store: ProfileStore,
  problem: (text: string) => void,
): void {
  let profiles: Installed[] = [];
  try {
    profiles = store.load();
  } catch (err) {
    problem(`${errorText(err)}; starting without charging profiles`);
  }
  bus.spawn(smartChargingGate(profiles), { load: profiles.length > 0 });
  bus.subscribe("sc.persist", (m) => {
    let ok = true;
    try {
      store.apply(m.change);
    } catch (err) {
      ok = false;
      bus.publish({
        type: "log",
        level: "error",
        text: `Cannot store charging profiles (${m.change.kind}): ${errorText(err)}`,
      });
    }
    if (m.ref !== undefined) bus.publish({ type: "sc.persisted", ref: m.ref, ok });
  });
}
