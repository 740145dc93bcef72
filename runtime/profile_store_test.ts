import assert from "node:assert/strict";
import type { ChargingProfile, Installed } from "../actors/composite_schedule.ts";
import { Storage } from "./storage.ts";
import { ProfileStore } from "./profile_store.ts";

function installed(id: number, purpose: ChargingProfile["chargingProfilePurpose"]): Installed {
  return {
    connectorId: purpose === "ChargePointMaxProfile" ? 0 : 1,
    installedAt: 1000 + id,
    profile: {
      chargingProfileId: id,
      stackLevel: id,
      chargingProfilePurpose: purpose,
      chargingProfileKind: "Relative",
      chargingSchedule: {
        chargingRateUnit: "W",
        chargingSchedulePeriod: [{ startPeriod: 0, limit: 4200.5, numberPhases: 1 }],
      },
    },
  };
}

Deno.test("ProfileStore keeps profiles across a reopen; TxProfiles end with the run", async () => {
  const dir = await Deno.makeTempDir({ prefix: "profiles-" });
  try {
    const path = `${dir}/state.db`;
    let storage = Storage.open(path);
    let store = new ProfileStore(storage);
    store.apply({ kind: "put", installed: installed(1, "TxDefaultProfile"), replaces: [] });
    store.apply({ kind: "put", installed: installed(2, "ChargePointMaxProfile"), replaces: [] });
    store.apply({ kind: "put", installed: installed(3, "TxProfile"), replaces: [] });
    store.apply({ kind: "put", installed: installed(4, "TxDefaultProfile"), replaces: [1] });
    storage.close();
    storage = Storage.open(path);
    store = new ProfileStore(storage);
    assert.deepEqual(store.load(), [
      installed(2, "ChargePointMaxProfile"),
      installed(4, "TxDefaultProfile"),
    ]);
    store.apply({ kind: "delete", ids: [2] });
    assert.deepEqual(store.load().map((i) => i.profile.chargingProfileId), [4]);
    storage.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ProfileStore.apply() is all or nothing, load() reports a damaged row", () => {
  const storage = Storage.open(":memory:");
  const store = new ProfileStore(storage);
  store.apply({ kind: "put", installed: installed(1, "TxDefaultProfile"), replaces: [] });
  const bad = { ...installed(2, "TxDefaultProfile"), connectorId: null as unknown as number };
  assert.throws(() => store.apply({ kind: "put", installed: bad, replaces: [1] }));
  assert.deepEqual(store.load().map((i) => i.profile.chargingProfileId), [1]);
  storage.db.prepare("UPDATE charging_profile SET profile = 'nonsense'").run();
  assert.throws(() => store.load(), /Cannot load charging profiles/);
  storage.close();
});
