/**
 * One language layer: every code the runtime reports (authorization
 * reasons, backend reasons, journal events, refused setting combinations,
 * stop reasons, limit sources, backend states, previous runs) has a German
 * and an English text in the pages. Fails on any missing key.
 *
 * @module
 */
import assert from "node:assert/strict";
import { TEXTS } from "../../api/static/i18n.js";
import { AUTH_REASONS, BACKEND_REASONS } from "../../runtime/activity.ts";
import { JOURNAL_CODES } from "../../runtime/history_store.ts";
import { COHERENCE_CODES } from "../../config/coherence.ts";
import type { BackendState, LimitSource, StopReason } from "../../actors/messages.ts";
import type { DurabilityView } from "../../runtime/durability_view.ts";

const STOP_REASONS: Record<StopReason, true> = {
  EmergencyStop: true,
  EVDisconnected: true,
  HardReset: true,
  Local: true,
  Other: true,
  PowerLoss: true,
  Reboot: true,
  Remote: true,
  SoftReset: true,
  UnlockCommand: true,
  DeAuthorized: true,
};
const LIMIT_SOURCES: Record<LimitSource, true> = { ocpp: true, installer: true, external: true };
const STATES: Record<BackendState, true> = {
  disabled: true,
  connecting: true,
  booting: true,
  pending: true,
  rejected: true,
  accepted: true,
  backoff: true,
};
const RUNS: Record<DurabilityView["previousRun"], true> = {
  first: true,
  clean: true,
  power_loss: true,
};

/** Every key the pages build from a runtime code. */
export const CODE_KEYS: readonly string[] = [
  ...AUTH_REASONS.map((c) => `auth.reason.${c}`),
  ...BACKEND_REASONS.map((c) => `br.${c}`),
  ...JOURNAL_CODES.map((c) => `journal.${c}`),
  ...COHERENCE_CODES.map((c) => `field.${c}`),
  ...Object.keys(STOP_REASONS).map((c) => `sr.${c}`),
  ...Object.keys(LIMIT_SOURCES).map((c) => `ls.${c}`),
  ...Object.keys(STATES).map((c) => `state.${c}`),
  ...Object.keys(RUNS).map((c) => `store.run.${c}`),
  ...[0, 1, 2, 3].map((p) => `profile.${p}`),
];

Deno.test("texts: every code the runtime reports has a German and an English text", () => {
  const missing = CODE_KEYS.flatMap((key) =>
    (["de", "en"] as const).filter((lang) => !(key in TEXTS[lang])).map((lang) => `${lang} ${key}`)
  );
  assert.deepEqual(missing, []);
});

Deno.test("texts: German texts of runtime codes are not the English ones", () => {
  // A code's text copied over untranslated would pass the key check.
  const same = CODE_KEYS.filter((k) =>
    TEXTS.de[k] === TEXTS.en[k] && !/^(profile|br)\.|Charge Point/.test(k)
  );
  assert.deepEqual(same, []);
});

Deno.test("texts: journal texts use only parameters the journal writes", () => {
  for (const code of JOURNAL_CODES) {
    for (const lang of ["de", "en"] as const) {
      const text = TEXTS[lang][`journal.${code}`] ?? "";
      for (const m of text.matchAll(/\{(\w+)\}/g)) {
        assert.match(
          m[1]!,
          /^(reason|connectorId|idTag|key|value|kind|by|operative|errorCode|from|to|meterStopWh)$/,
        );
      }
    }
  }
});
