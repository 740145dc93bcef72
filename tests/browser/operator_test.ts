/**
 * The web app as installers and operators use it (issue 13), in headless
 * Chromium against the real runtime and a real Central System, German and
 * English, phone and desktop width, with axe-core and the untranslated-text
 * check on every page (`_checks.ts`) and screenshots:
 *
 * - first run from the pages alone: a fresh data directory (standalone,
 *   OCPP authorization) says why no card can charge and fixes it; a refused
 *   card shows its reason and is added with one click; plug, tap, charge,
 *   unplug; the charge is in the stored history with its Wh as sent, and the
 *   refusal in the event journal;
 * - the developer panel's EV buttons are enabled only when they apply, and
 *   a fault is injected and cleared;
 * - settings that cannot work are refused with the translated reason;
 * - the backend's details (URL, Charge Point ID, profile, last message and
 *   heartbeat), "disconnected since" not moving with each retry, and
 *   "reconnect now".
 *
 * Needs Debian's `chromium` at /usr/bin/chromium; fails (never skips) without it.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import type { Page } from "playwright-core";
import {
  assertNoSideScroll,
  launchBrowser,
  logIn,
  screenshot,
  startWebRig,
  type WebRig,
} from "./_rig.ts";
import { assertAccessible, assertPage, assertTranslated } from "./_checks.ts";

const PHONE = { width: 375, height: 812 };
const DESKTOP = { width: 1280, height: 800 };

/** Every page at this width, checked and photographed. */
async function checkAllPages(page: Page, lang: "de" | "en", width: "phone" | "desktop") {
  const links = lang === "de"
    ? ["Status", "OCPP-Einstellungen", "Whitelist"]
    : ["Status", "OCPP settings", "Whitelist"];
  const names = ["status", "settings", "whitelist"];
  for (let i = 0; i < links.length; i++) {
    await page.getByRole("link", { name: links[i]!, exact: true }).click();
    await page.locator(`#view-${names[i]}:not([hidden])`).waitFor();
    await page.waitForTimeout(200); // the view's data arrives
    await assertNoSideScroll(page);
    await assertPage(page, lang, `${names[i]} (${lang}, ${width})`);
    await screenshot(page, `ops-${names[i]}-${lang}-${width}`);
  }
  await page.getByRole("link", { name: "Status", exact: true }).click();
}

Deno.test("first run from the pages alone: the fix, a refused card added, a charge in the history", async (t) => {
  await using rig = await startWebRig();
  await using browser = await launchBrowser({ locale: "de-DE", viewport: DESKTOP });
  const { page } = browser;
  const pageErrors: string[] = [];
  page.on("pageerror", (err) => pageErrors.push(String(err)));
  await logIn(page, rig);

  await t.step("the status page says why no card can charge, and fixes it", async () => {
    await page.getByText("aber kein Backend ist eingestellt: jede Karte wird abgelehnt").waitFor();
    await assertPage(page, "de", "first run (de, desktop)");
    await screenshot(page, "ops-first-run-desktop");
    await page.getByRole("button", { name: "Lokale Whitelist verwenden" }).click();
    await page.getByText("Die lokale Whitelist ist leer").waitFor();
    assert.equal(rig.store.get("AuthorizationMode"), "local");
    assert.equal(rig.store.get("WhitelistSource"), "local");
  });

  await t.step(
    "the EV buttons apply only with a cable; a tapped card's refusal is shown",
    async () => {
      assert.equal(await page.locator("#dev-evOn-1").isDisabled(), true);
      assert.equal(await page.locator("#dev-evOff-1").isDisabled(), true);
      await page.getByRole("button", { name: "Karte vorhalten" }).click();
      await page.locator("#c1-auth", {
        hasText: "04A2B3C4: abgelehnt, steht nicht auf der lokalen Whitelist",
      }).waitFor();
      await page.locator("#events li", { hasText: "Karte 04A2B3C4 abgelehnt" }).waitFor();
      await page.locator("#journal li", { hasText: "Karte 04A2B3C4 abgelehnt" }).waitFor();
      await assertPage(page, "de", "refused card (de)");
      await page.getByRole("button", { name: "04A2B3C4 zur Whitelist hinzufügen" }).click();
      await page.getByText("04A2B3C4 steht jetzt auf der Whitelist").waitFor();
      await page.locator("#problems").waitFor({ state: "hidden" });
      assert.deepEqual(rig.runtime.whitelist.entries().map((e) => e.idTag), ["04A2B3C4"]);
    },
  );

  await t.step("plug, tap, charge, unplug: the charge is in the history as sent", async () => {
    await page.getByRole("button", { name: "Einstecken" }).click();
    await page.locator("#c1-status", { hasText: "Vorbereitung" }).waitFor();
    await page.getByRole("button", { name: "Karte vorhalten" }).click();
    await page.locator("#c1-status", { hasText: "Lädt" }).waitFor();
    await page.locator("#c1-auth", { hasText: "angenommen, steht auf der lokalen Whitelist" })
      .waitFor();
    assert.equal(await page.locator("#dev-evOn-1").isDisabled(), true, "already drawing");
    assert.equal(await page.locator("#dev-evOff-1").isDisabled(), false);
    await page.locator("#c1-limit", { hasText: "A je Phase (Installateur (maxCurrentA))" })
      .waitFor();
    // Current and voltage per phase, as the meter measures them (the EV draws on 3 phases).
    const phases = page.getByRole("table", { name: "Strom und Spannung je Phase" });
    const amps = rig.runtime.status().connectors[0]!.phases![0]!.currentA;
    assert.ok(amps > 6, `${amps} A on L1`);
    const a = `${
      amps.toLocaleString("de-DE", { minimumFractionDigits: 1, maximumFractionDigits: 1 })
    } A`;
    for (const phase of ["L1", "L2", "L3"]) {
      await phases.getByRole("row", { name: `${phase} ${a} 230 V` }).waitFor();
    }
    await assertPage(page, "de", "phases (de)");
    await screenshot(page, "ops-phases-charging-de-desktop");
    await rig.advance(60_000);
    await page.getByRole("button", { name: "Fahrzeug pausiert" }).click();
    await page.locator("#c1-status", { hasText: "Pausiert (Fahrzeug)" }).waitFor();
    assert.equal(await page.locator("#dev-evOn-1").isDisabled(), false);
    assert.equal(await page.locator("#dev-evOff-1").isDisabled(), true);
    await page.getByRole("button", { name: "Ausstecken" }).click();
    await page.locator("#history-body td", { hasText: "Fahrzeug getrennt" }).waitFor();
    const [row] = rig.runtime.history.transactions();
    assert.ok(row && row.energyWh !== null, "the charge is stored");
    assert.ok(row.energyWh >= 100, `${row.energyWh} Wh`);
    const cells = page.locator("#history-body tr").first().locator("td");
    await cells.nth(4).filter({ hasText: `${row.energyWh} Wh` }).waitFor();
    assert.equal(await cells.nth(1).textContent(), "04A2B3C4");
    assert.equal(await cells.nth(5).textContent(), "Fahrzeug getrennt");
    // The live event tells the same energy as the StopTransaction (meterStop - meterStart).
    const kwh = (row.energyWh / 1000).toLocaleString("de-DE", { minimumFractionDigits: 3 });
    await page.locator("#events li", { hasText: `Ladevorgang beendet, ${kwh} kWh` }).waitFor();
    const csv = await page.request.get(`${rig.url}/api/transactions?format=csv`);
    assert.equal(csv.status(), 200);
    assert.match(await csv.text(), new RegExp(`,04A2B3C4,.*,EVDisconnected,\\r\\n`));
  });

  await t.step("a fault injected from the developer panel shows and clears", async () => {
    await page.getByLabel("Störung", { exact: true }).selectOption("GroundFailure");
    await page.getByRole("button", { name: "Störung auslösen" }).click();
    await page.locator("#c1-error", { hasText: "GroundFailure" }).waitFor();
    await page.locator("#journal li", { hasText: "Störung GroundFailure" }).waitFor();
    assert.equal(await page.locator("#dev-inject-1").isDisabled(), true);
    await page.getByRole("button", { name: "Störung beheben" }).click();
    await page.locator("#c1-error").waitFor({ state: "detached" });
  });

  await t.step("availability and reset ask before they act", async () => {
    const dialogs: string[] = [];
    let accept = false;
    const onDialog = (
      d: { message(): string; accept(): Promise<void>; dismiss(): Promise<void> },
    ) => {
      dialogs.push(d.message());
      void (accept ? d.accept() : d.dismiss());
    };
    page.on("dialog", onDialog);
    await page.getByRole("button", { name: "Außer Betrieb nehmen" }).click();
    await page.waitForTimeout(200);
    assert.equal(dialogs.length, 1);
    assert.match(dialogs[0]!, /Ladepunkt 1 wirklich außer Betrieb nehmen/);
    assert.equal(rig.runtime.status().connectors[0]!.status, "Available", "dismissed: unchanged");
    accept = true;
    await page.getByRole("button", { name: "Außer Betrieb nehmen" }).click();
    await page.locator("#c1-status", { hasText: "Nicht verfügbar" }).waitFor();
    await page.locator("#c1-availability-done", { hasText: "Angenommen." }).waitFor();
    await page.getByRole("button", { name: "In Betrieb nehmen" }).click();
    await page.locator("#c1-status", { hasText: "Frei" }).waitFor();
    await page.getByRole("button", { name: "Neustart (weich)" }).click();
    await page.locator("#system-done", { hasText: "Angenommen." }).waitFor();
    assert.match(dialogs.at(-1)!, /wirklich neu starten/);
    // The unanswered StopTransaction of the standalone charge holds the Reset until its
    // timeout on the runtime's clock (a backend would have answered it).
    for (let i = 0; i < 120 && rig.runtime.restarts === 0; i++) await rig.advance(1000);
    assert.equal(rig.runtime.restarts, 1);
    page.off("dialog", onDialog);
  });

  await t.step("the settings form takes no input until the stored settings are in", async () => {
    const held = Promise.withResolvers<void>();
    const asked = Promise.withResolvers<void>();
    await page.route("**/api/settings", async (route) => {
      if (route.request().method() !== "GET") return route.continue();
      asked.resolve();
      await held.promise;
      await route.continue();
    });
    await page.getByRole("link", { name: "OCPP-Einstellungen" }).click();
    await asked.promise;
    const url = page.getByLabel("OCPP Backend URL");
    assert.equal(await url.isDisabled(), true, "editable while the settings load");
    assert.equal(await page.getByRole("button", { name: "Speichern" }).isDisabled(), true);
    held.resolve();
    await page.locator("#settings-form[aria-busy=false]").waitFor();
    assert.equal(await url.isDisabled(), false);
    assert.equal(await url.inputValue(), String(rig.store.get("CentralSystemUrl")));
    await page.unroute("**/api/settings");
    await page.getByRole("link", { name: "Status", exact: true }).click();
  });

  await t.step("settings that cannot work are refused with the German reason", async () => {
    await page.getByRole("link", { name: "OCPP-Einstellungen" }).click();
    await page.locator("#settings-form[aria-busy=false]").waitFor();
    await page.getByLabel("Backend Verbindungstyp").selectOption("ethernet");
    await page.getByLabel("OCPP Backend URL").fill("ws://127.0.0.1:1/ocpp");
    await page.locator("#f-securityProfile").selectOption("3");
    await page.getByRole("button", { name: "Speichern" }).click();
    await page.locator("#e-backendUrl", {
      hasText: "muss eine wss://-URL sein: Sicherheitsprofil 3 verwendet TLS",
    }).waitFor();
    assert.equal(rig.store.get("BackendConnectionType"), "none");
    await assertPage(page, "de", "refused settings (de)");
    await screenshot(page, "ops-settings-refused-desktop");
    await page.reload();
    await page.locator("#view-status:not([hidden]), #view-settings:not([hidden])").first()
      .waitFor();
  });

  await t.step("every page, German and English, desktop and phone", async () => {
    await checkAllPages(page, "de", "desktop");
    await page.setViewportSize(PHONE);
    await checkAllPages(page, "de", "phone");
    await page.getByLabel("Sprache").selectOption("en");
    await page.locator("#history-body td", { hasText: "EV disconnected" }).first().waitFor();
    await checkAllPages(page, "en", "phone");
    await page.setViewportSize(DESKTOP);
    await checkAllPages(page, "en", "desktop");
  });

  assert.deepEqual(pageErrors, []);
});

/** The text of the "since" row of the backend. */
function since(page: Page): Promise<string | null> {
  return page.locator("#backend-since").textContent();
}

Deno.test("backend details, disconnected since a fixed time, reconnect now (English, phone)", async () => {
  await using rig: WebRig = await startWebRig();
  await rig.runtime.updateSettings({
    backendConnectionType: "ethernet",
    backendUrl: rig.csms.url,
    chargePointId: "OPS-1",
  });
  await using browser = await launchBrowser({ locale: "en-US", viewport: PHONE });
  const { page } = browser;
  await page.goto(rig.url);
  await page.getByLabel("API token").fill(rig.token);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.locator("#backend-state", { hasText: "Connected (accepted)" }).waitFor();
  await page.locator("#backend dt", { hasText: "Connected since" }).waitFor();
  assert.equal(await page.locator("#backend-url").textContent(), `${rig.csms.url}/OPS-1`);
  assert.equal(await page.locator("#backend-cpid").textContent(), "OPS-1");
  assert.match(await page.locator("#backend-profile").textContent() ?? "", /^0: no encryption/);
  await page.locator("#backend-last-message", { hasNotText: "none yet" }).waitFor();
  await rig.csms.call("TriggerMessage", { requestedMessage: "Heartbeat" });
  await page.locator("#backend-last-heartbeat", { hasNotText: "none yet" }).waitFor();
  await assertPage(page, "en", "connected (en, phone)");
  await screenshot(page, "ops-backend-connected-phone");

  rig.csms.refuseWith = 503;
  await rig.csms.drop();
  await page.locator("#backend dt", { hasText: "Disconnected since" }).waitFor();
  const lost = await since(page);
  await rig.advance(30_000);
  await rig.csms.until(() => rig.csms.refused.length >= 3, "more refused retries");
  await page.locator("#backend-reason", { hasText: "HTTP error" }).waitFor();
  assert.equal(await since(page), lost, "the time the connection was lost, not of the last retry");
  await page.locator("#journal li", { hasText: "Not connected to the backend" }).first().waitFor();
  await assertPage(page, "en", "disconnected (en, phone)");
  await screenshot(page, "ops-backend-disconnected-phone");

  const refused = rig.csms.refused.length;
  rig.csms.refuseWith = undefined;
  await page.getByRole("button", { name: "Reconnect now" }).click();
  await page.getByText("A new connection attempt started.").waitFor();
  await page.locator("#backend-state", { hasText: "Connected (accepted)" }).waitFor();
  assert.equal(rig.csms.refused.length, refused, "connected at once, no refused attempt between");
  assert.notEqual(await since(page), lost);
});

Deno.test("the page checks fail on a serious violation and on untranslated text", async () => {
  await using browser = await launchBrowser({ locale: "de-DE", viewport: DESKTOP });
  const { page } = browser;
  await page.setContent(
    '<html lang="de"><body><main><h1>Status</h1><button></button>' +
      "<p>Connection refused: nothing listens</p><p>auth.reason.expired</p></main></body></html>",
  );
  await assert.rejects(assertAccessible(page, "probe"), /button-name \(critical\)/);
  await assert.rejects(
    assertTranslated(page, "de", "probe"),
    (err: Error) =>
      err.message.includes("Connection refused: nothing listens") &&
      err.message.includes("auth.reason.expired"),
  );
  await page.setContent('<html lang="de"><body><main><h1>Ladepunkt 1</h1></main></body></html>');
  await assert.rejects(assertTranslated(page, "en", "probe"), /Ladepunkt 1/);
  await assertTranslated(page, "de", "probe");
});

Deno.test("settings page: only the fields that apply, a warning before unsaved changes are lost, the seed's hints", async () => {
  await using rig = await startWebRig();
  await using browser = await launchBrowser({ locale: "de-DE", viewport: DESKTOP });
  const { page } = browser;
  await logIn(page, rig);
  await page.getByRole("link", { name: "OCPP-Einstellungen" }).click();
  const field = (name: string) => page.locator(`#settings-form [data-field="${name}"]`);
  await page.getByLabel("OCPP Backend URL").waitFor();
  // OCPP authorization, keep-alive off, profile 0: no free-charging id, pong timeout or TLS.
  // The page hides them once the stored settings are filled in, which may follow the label.
  const hidden = (name: string) =>
    field(name).waitFor({ state: "hidden", timeout: 5_000 }).then(() => true, () => false);
  for (const name of ["freeChargingIdTag", "keepAliveTimeoutS", "tlsCaFile", "tlsClientCertFile"]) {
    assert.equal(await hidden(name), true, name);
  }
  await page.getByLabel("OCPP Autorisierung").selectOption("free");
  await field("freeChargingIdTag").waitFor();
  await page.getByLabel("Websocket Keep-Alive Intervall").fill("30");
  await field("keepAliveTimeoutS").waitFor();
  await page.locator("#f-securityProfile").selectOption("2");
  await field("tlsCaFile").waitFor();
  assert.equal(
    await field("tlsClientCertFile").isHidden(),
    true,
    "profile 2: no client certificate",
  );
  await page.locator("#f-securityProfile").selectOption("3");
  await field("tlsClientCertFile").waitFor();
  await page.getByText("* Einstellung abhängig von dem gewünschten Funktionsumfang des Betreibers.")
    .waitFor();
  await page.getByText("Das Verschlüsselungsverfahren gibt das externe Backend-System vor")
    .waitFor();
  await page.getByText("mit einem NAT-Router zwischen Ladepunkt und Backend").waitFor();
  await assertPage(page, "de", "settings with every field that applies (de)");
  await screenshot(page, "ops-settings-applicable-desktop");

  const dialogs: string[] = [];
  let accept = false;
  page.on("dialog", (d) => {
    dialogs.push(d.message());
    void (accept ? d.accept() : d.dismiss());
  });
  await page.getByRole("link", { name: "Status", exact: true }).click();
  await page.waitForTimeout(200);
  assert.deepEqual(dialogs, [
    "Die Einstellungen sind nicht gespeichert. Seite trotzdem verlassen?",
  ]);
  assert.equal(await page.locator("#view-settings").isVisible(), true, "stayed");
  assert.equal(await page.getByLabel("Websocket Keep-Alive Intervall").inputValue(), "30");
  accept = true;
  await page.getByRole("link", { name: "Status", exact: true }).click();
  await page.locator("#view-status:not([hidden])").waitFor();
  assert.equal(rig.store.get("WebSocketPingInterval"), 0, "nothing saved");
  // Back on the settings: the stored values, nothing left unsaved.
  await page.getByRole("link", { name: "OCPP-Einstellungen" }).click();
  await page.getByLabel("OCPP Backend URL").waitFor();
  await page.waitForTimeout(200);
  assert.equal(await page.getByLabel("Websocket Keep-Alive Intervall").inputValue(), "0");
  await page.getByRole("link", { name: "Status", exact: true }).click();
  await page.locator("#view-status:not([hidden])").waitFor();
  assert.equal(dialogs.length, 2);
});

Deno.test("whitelist page: confirm before remove and replace, expired marked, German Excel CSV, duplicates, stale errors", async () => {
  await using rig = await startWebRig();
  await rig.runtime.updateSettings({ authorizationMode: "local", whitelistSource: "local" });
  rig.runtime.whitelist.replace([
    { idTag: "OLD-1", expiry: "2020-01-01T00:00:00Z" },
    { idTag: "NEW-1", expiry: "2099-01-01T00:00:00Z" },
  ]);
  await using browser = await launchBrowser({ locale: "de-DE", viewport: PHONE });
  const { page } = browser;
  const dialogs: string[] = [];
  let accept = false;
  page.on("dialog", (d) => {
    dialogs.push(d.message());
    void (accept ? d.accept() : d.dismiss());
  });
  await logIn(page, rig);
  await page.getByRole("link", { name: "Whitelist" }).click();
  const oldRow = page.locator("#wl-table tr", { hasText: "OLD-1" });
  await oldRow.locator(".expired", { hasText: "abgelaufen" }).waitFor();
  assert.equal(
    await page.locator("#wl-table tr", { hasText: "NEW-1" }).locator(".expired").count(),
    0,
  );
  await assertPage(page, "de", "whitelist with an expired entry (de, phone)");
  await screenshot(page, "ops-whitelist-expired-phone");

  // Remove asks; dismissed, nothing changes.
  await page.getByRole("button", { name: "Entfernen OLD-1" }).click();
  await page.waitForTimeout(200);
  assert.match(dialogs.at(-1) ?? "", /OLD-1 wirklich von der Whitelist entfernen/);
  assert.equal(rig.runtime.whitelist.entries().length, 2);

  // A stale add error: the card is there already.
  await page.getByLabel("ID-Karte", { exact: true }).fill("new-1");
  await page.getByRole("button", { name: "Hinzufügen" }).click();
  await page.getByText("Diese Karte steht schon auf der Whitelist.").waitFor();

  // German Excel's CSV: BOM and semicolons; a duplicate differing only in case is reported.
  const excel = (rows: string) => ({
    name: "excel.csv",
    mimeType: "text/csv",
    buffer: Buffer.from(`\uFEFFidTag;name;expiry\r\n${rows}`, "utf-8"),
  });
  await page.getByLabel("CSV-Datei zum Importieren").setInputFiles(
    excel("CARD-A;Anna;\r\ncard-a;Anna 2;\r\n"),
  );
  accept = true;
  await page.getByRole("button", { name: "Importieren und Liste ersetzen" }).click();
  await page.locator("#wl-import-errors td", { hasText: "kommt doppelt vor" }).waitFor();
  assert.equal(rig.runtime.whitelist.entries().length, 2, "nothing replaced");
  await page.getByLabel("CSV-Datei zum Importieren").setInputFiles(
    excel('CARD-A;"Müller; Hans";\r\nCARD-B;Bob;2030-12-31T23:59:59Z\r\n'),
  );
  await page.getByRole("button", { name: "Importieren und Liste ersetzen" }).click();
  await page.getByText("Importiert: 2 Einträge.").waitFor();
  assert.match(dialogs.at(-1) ?? "", /Whitelist mit 2 Einträgen wirklich durch die 2 Einträge/);
  assert.deepEqual(rig.runtime.whitelist.entries().map((e) => [e.idTag, e.name]), [
    ["CARD-A", "Müller; Hans"],
    ["CARD-B", "Bob"],
  ]);
  assert.equal(
    await page.getByText("Diese Karte steht schon auf der Whitelist.").isVisible(),
    false,
    "the stale error is gone",
  );
  await assertPage(page, "de", "whitelist after import (de, phone)");
  await assertNoSideScroll(page);
});
