/**
 * The status page shows each stored setting that was invalid at start (issue
 * 16: they were reset silently), in both languages.
 */
import assert from "node:assert/strict";
import { launchBrowser, logIn, screenshot, startWebRig } from "./_rig.ts";

const PHONE = { width: 375, height: 812 };

Deno.test("status page: invalid stored settings are listed with the field and why", async () => {
  await using rig = await startWebRig({
    storedSettings: { ChargePointId: 5, CentralSystemUrl: "http://wrong", HeartbeatInterval: 120 },
  });
  assert.deepEqual(rig.runtime.status().settings?.problems.map((p) => p.field), [
    "ChargePointId",
    "CentralSystemUrl",
  ]);
  await using browser = await launchBrowser({ locale: "de-DE", viewport: PHONE });
  const { page } = browser;
  const pageErrors: string[] = [];
  page.on("pageerror", (err) => pageErrors.push(String(err)));
  await logIn(page, rig);
  const backend = page.locator("#backend");
  await backend.getByText("Ungültige gespeicherte Einstellungen (Standardwert verwendet)")
    .waitFor();
  const text = await backend.textContent() ?? "";
  assert.match(text, /ChargePointId: stored value must be a string; using the default "/);
  assert.match(text, /CentralSystemUrl: stored value /);
  await screenshot(page, "status-settings-problems-phone");
  assert.deepEqual(pageErrors, []);
});
