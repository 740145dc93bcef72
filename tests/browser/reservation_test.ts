/**
 * The status page shows a reservation on its connector (ReserveNow from the
 * Central System, OCPP 1.6 section 5.13): for whom and until when, in
 * German and English, and that it is gone after CancelReservation.
 */
import assert from "node:assert/strict";
import { assertNoSideScroll, launchBrowser, logIn, screenshot, startWebRig } from "./_rig.ts";

const PHONE = { width: 375, height: 812 };

Deno.test("status page: a reservation shows its idTag and expiry on its connector until it is cancelled", async () => {
  await using rig = await startWebRig();
  await using browser = await launchBrowser({ locale: "de-DE", viewport: PHONE });
  const { page } = browser;
  const pageErrors: string[] = [];
  page.on("pageerror", (err) => pageErrors.push(String(err)));
  const m = rig.csms.mark;
  await rig.runtime.updateSettings({
    backendConnectionType: "ethernet",
    backendUrl: rig.csms.url,
    chargePointId: "WEB-RES-1",
  });
  await rig.csms.next("StatusNotification", m, (p) => p.connectorId === 1);
  const expiryDate = new Date(rig.clock.now() + 3_600_000).toISOString();
  const conf = await rig.csms.call("ReserveNow", {
    connectorId: 1,
    expiryDate,
    idTag: "WEB-RES-CARD",
    reservationId: 31,
    parentIdTag: "WEB-FLEET",
  });
  assert.equal(conf.status, "Accepted");
  await logIn(page, rig);
  await page.locator("#c1-status", { hasText: "Reserviert" }).waitFor();
  await page.getByRole("heading", { name: "Reservierung" }).waitFor();
  assert.equal(await page.locator("#c1-res-idtag").textContent(), "WEB-RES-CARD");
  const shown = await page.locator("#c1-res-expiry").textContent();
  const expected = await page.evaluate(
    (iso) => new Date(iso).toLocaleString("de"),
    expiryDate,
  );
  assert.equal(shown, expected);
  await page.getByText("WEB-FLEET").waitFor();
  await assertNoSideScroll(page);
  await screenshot(page, "status-reservation-phone");
  await page.getByLabel("Sprache").selectOption("en");
  await page.getByRole("heading", { name: "Reservation" }).waitFor();
  await page.getByText("Reserved for").waitFor();

  assert.deepEqual(await rig.csms.call("CancelReservation", { reservationId: 31 }), {
    status: "Accepted",
  });
  await page.locator("#c1-status", { hasText: "Available" }).waitFor();
  assert.equal(await page.locator("#c1-res").count(), 0);
  assert.deepEqual(pageErrors, []);
  assert.deepEqual(rig.csms.invalid, []);
});
