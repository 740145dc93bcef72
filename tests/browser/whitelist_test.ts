/**
 * The whitelist page, the data store on the status page and the certificate
 * upload, in headless Chromium against the real runtime: add and remove
 * cards (keyboard), a CSV with a bad row refused beside that row with
 * nothing saved, a good CSV replacing the list, the export giving the same
 * CSV back, the backend's OCPP list read-only, screenshots at phone and
 * desktop width; safe mode shown with its reason and left by its button;
 * CA and client key uploaded from the settings page.
 *
 * Needs Debian's `chromium` at /usr/bin/chromium; fails (never skips)
 * without it.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import type { Page } from "playwright-core";
import { makeTestPki } from "../harness.ts";
import { readWhitelistCsv } from "../../api/static/csv.js";
import {
  assertNoSideScroll,
  focusedId,
  launchBrowser,
  logIn,
  screenshot,
  startWebRig,
} from "./_rig.ts";

const PHONE = { width: 375, height: 812 };
const DESKTOP = { width: 1280, height: 800 };

/** A CSV file for the page's file input. */
function csvFile(name: string, text: string) {
  return { name, mimeType: "text/csv", buffer: Buffer.from(text, "utf-8") };
}

/** The idTags in the page's table, in order. */
function shownIdTags(page: Page): Promise<string[]> {
  return page.locator("#wl-table tbody th").allTextContents();
}

/** The idTag of the focused element (a remove button), or its id. */
function focusedIdTag(page: Page): Promise<string> {
  return page.evaluate<string>(
    "document.activeElement?.getAttribute('data-id-tag') ?? document.activeElement?.id ?? ''",
  );
}

const GOOD_CSV = "idTag,name,expiry\r\n" +
  "GOOD-1,Anna,\r\n" +
  'GOOD-2,"Müller, Hans",2030-12-31T23:59:59.000Z\r\n' +
  '"Q""3","Say ""hi"", Bob",\r\n';

const BAD_CSV = "idTag,name,expiry\n" +
  "GOOD-1,Anna,\n" +
  '"NICHT ÄSCII",Bob,\n' +
  "GOOD-2,Hans,31.12.2030\n";

Deno.test("whitelist page: add, remove, CSV import with a bad row, import, export, OCPP list, screenshots", async (t) => {
  await using rig = await startWebRig();
  await rig.runtime.updateSettings({ whitelistSource: "local" });
  await using browser = await launchBrowser({
    locale: "de-DE",
    viewport: DESKTOP,
    timezoneId: "Europe/Berlin",
  });
  const { page } = browser;
  const pageErrors: string[] = [];
  page.on("pageerror", (err) => pageErrors.push(String(err)));
  // Replace and remove ask first (issue 13): the user agrees.
  const dialogs: string[] = [];
  page.on("dialog", (d) => {
    dialogs.push(d.message());
    void d.accept();
  });
  const stored = () => rig.runtime.whitelist.entries();

  await t.step("the whitelist page opens from the menu, empty, with the local source", async () => {
    await logIn(page, rig);
    await page.getByRole("link", { name: "Whitelist" }).click();
    await page.getByRole("heading", { level: 1, name: "Whitelist" }).waitFor();
    assert.equal(await focusedId(page), "whitelist-h");
    await page.getByText("Die lokale Whitelist entscheidet, wer laden darf.").waitFor();
    await page.getByText("Die Whitelist ist leer.").waitFor();
    assert.equal(await page.locator("#wl-ocpp").isHidden(), true);
  });

  await t.step(
    "a card is added from the keyboard (expiry in the browser's time zone)",
    async () => {
      await page.getByLabel("ID-Karte", { exact: true }).focus();
      await page.keyboard.type("CARD-1");
      await page.keyboard.press("Tab");
      await page.keyboard.type("Anna Müller");
      await page.getByLabel("Gültig bis (optional)").fill("2030-12-31T23:59");
      await page.getByLabel("ID-Karte", { exact: true }).focus();
      await page.keyboard.press("Enter");
      await page.getByText("CARD-1 hinzugefügt.").waitFor();
      assert.deepEqual(stored(), [
        { idTag: "CARD-1", name: "Anna Müller", expiry: "2030-12-31T22:59:00.000Z" },
      ]);
      assert.deepEqual(await shownIdTags(page), ["CARD-1"]);
      await page.locator("#wl-table td", { hasText: "31.12.2030, 23:59:00" }).waitFor();
      assert.equal(await focusedId(page), "wl-idTag");
      assert.equal(await page.getByLabel("ID-Karte", { exact: true }).inputValue(), "");
      await page.getByLabel("ID-Karte", { exact: true }).fill("CARD-2");
      await page.getByRole("button", { name: "Hinzufügen" }).click();
      await page.getByText("CARD-2 hinzugefügt.").waitFor();
      assert.deepEqual(await shownIdTags(page), ["CARD-1", "CARD-2"]);
      await page.locator("#wl-count", { hasText: "2 Einträge" }).waitFor();
    },
  );

  await t.step("a duplicate and an invalid card are refused beside the field", async () => {
    await page.getByLabel("ID-Karte", { exact: true }).fill("card-1");
    await page.getByRole("button", { name: "Hinzufügen" }).click();
    await page.locator("#wl-e-idTag", { hasText: "steht schon auf der Whitelist" }).waitFor();
    assert.equal(
      await page.getByLabel("ID-Karte", { exact: true }).getAttribute("aria-invalid"),
      "true",
    );
    await page.getByLabel("ID-Karte", { exact: true }).fill("KARTE MIT ÄÖÜ");
    // Typing hides the stale error.
    assert.equal(await page.locator("#wl-e-idTag").textContent(), "");
    await page.getByRole("button", { name: "Hinzufügen" }).click();
    await page.locator("#wl-e-idTag", { hasText: "druckbare ASCII-Zeichen" }).waitFor();
    assert.equal(await focusedId(page), "wl-idTag");
    assert.equal(stored().length, 2);
    await page.getByLabel("ID-Karte", { exact: true }).fill("");
  });

  await t.step("a card is removed by keyboard; the focus moves to the next card", async () => {
    await page.getByRole("button", { name: "Entfernen CARD-1" }).focus();
    await page.keyboard.press("Enter");
    await page.getByText("CARD-1 entfernt.").waitFor();
    assert.deepEqual(stored().map((e) => e.idTag), ["CARD-2"]);
    assert.deepEqual(await shownIdTags(page), ["CARD-2"]);
    assert.equal(await focusedIdTag(page), "CARD-2");
  });

  await t.step(
    "a CSV with a bad row is refused: the error beside the row, nothing saved",
    async () => {
      const before = stored();
      await page.getByLabel("CSV-Datei zum Importieren").setInputFiles(csvFile("bad.csv", BAD_CSV));
      await page.getByRole("button", { name: "Importieren und Liste ersetzen" }).click();
      await page.getByText("Nicht importiert: 2 fehlerhafte Zeile(n)").waitFor();
      const rows = page.locator("#wl-import-errors tbody tr");
      assert.equal(await rows.count(), 2);
      assert.equal(await rows.nth(0).locator("th").textContent(), "3");
      assert.match(await rows.nth(0).textContent() ?? "", /NICHT ÄSCII/);
      assert.match(
        await rows.nth(0).locator("td").last().textContent() ?? "",
        /^ID-Karte: muss 1-20 druckbare ASCII-Zeichen haben/,
      );
      assert.equal(await rows.nth(1).locator("th").textContent(), "4");
      assert.match(
        await rows.nth(1).locator("td").last().textContent() ?? "",
        /^Gültig bis: muss Datum und Uhrzeit nach ISO 8601/,
      );
      assert.deepEqual(stored(), before);
      assert.deepEqual(await shownIdTags(page), ["CARD-2"]);
      // The language switch translates the row errors too.
      await page.getByLabel("Sprache").selectOption("en");
      await page.locator("#wl-import-errors td", { hasText: "Id tag: must be 1-20 printable" })
        .waitFor();
      await page.getByLabel("Language").selectOption("de");
      await page.locator("#wl-import-errors td", { hasText: "ID-Karte: muss 1-20" }).waitFor();
      await screenshot(page, "whitelist-import-errors-desktop");
    },
  );

  await t.step("a CSV the page cannot read is not sent", async () => {
    await page.getByLabel("CSV-Datei zum Importieren").setInputFiles(
      csvFile("broken.csv", 'idTag,name\nA,"open\n'),
    );
    await page.getByRole("button", { name: "Importieren und Liste ersetzen" }).click();
    await page.getByText("Nicht importiert: Zeile 2: ein Anführungszeichen wird nicht geschlossen.")
      .waitFor();
    assert.equal(await page.locator("#wl-import-errors").isHidden(), true);
    assert.deepEqual(stored().map((e) => e.idTag), ["CARD-2"]);
  });

  await t.step("a good CSV replaces the list", async () => {
    await page.getByLabel("CSV-Datei zum Importieren").setInputFiles(csvFile("good.csv", GOOD_CSV));
    await page.getByRole("button", { name: "Importieren und Liste ersetzen" }).click();
    await page.getByText("Importiert: 3 Einträge. Die lokale Whitelist wurde ersetzt.").waitFor();
    assert.equal(await page.locator("#wl-import-errors").isHidden(), true);
    assert.deepEqual(stored(), [
      { idTag: "GOOD-1", name: "Anna" },
      { idTag: "GOOD-2", name: "Müller, Hans", expiry: "2030-12-31T23:59:59.000Z" },
      { idTag: 'Q"3', name: 'Say "hi", Bob' },
    ]);
    assert.deepEqual(await shownIdTags(page), ["GOOD-1", "GOOD-2", 'Q"3']);
  });

  await t.step("the export gives the same CSV", async () => {
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Als CSV exportieren" }).click(),
    ]);
    assert.equal(download.suggestedFilename(), "whitelist.csv");
    const path = await download.path();
    // As German Excel opens it: a byte order mark and semicolons; it reads back the same.
    const text = await Deno.readTextFile(path);
    assert.ok(text.startsWith("\uFEFFidTag;name;expiry\r\n"), JSON.stringify(text.slice(0, 30)));
    assert.deepEqual(readWhitelistCsv(text), readWhitelistCsv(GOOD_CSV));
    assert.ok(dialogs.some((d) => /wirklich durch die 3 Einträge der Datei ersetzen/.test(d)));
  });

  await t.step("search narrows the list", async () => {
    await page.getByLabel("Suchen").fill("müller");
    await page.locator("#wl-count", { hasText: "1 von 3 Einträgen" }).waitFor();
    assert.deepEqual(await shownIdTags(page), ["GOOD-2"]);
    await page.getByLabel("Suchen").fill("");
    await page.locator("#wl-count", { hasText: "3 Einträge" }).waitFor();
  });

  await t.step("screenshots at desktop and phone width; nothing scrolls sideways", async () => {
    await assertNoSideScroll(page);
    await screenshot(page, "whitelist-desktop");
    await page.setViewportSize(PHONE);
    await assertNoSideScroll(page);
    await screenshot(page, "whitelist-phone");
    // A remove button is still reachable and works at phone width.
    await page.getByRole("button", { name: 'Entfernen Q"3' }).click();
    await page.getByText('Q"3 entfernt.').waitFor();
    assert.deepEqual(stored().map((e) => e.idTag), ["GOOD-1", "GOOD-2"]);
    await page.setViewportSize(DESKTOP);
  });

  await t.step(
    "a long list shows its first 500 rows, search finds the rest; '..' can be removed",
    async () => {
      const before = stored();
      rig.runtime.whitelist.replace([
        ...Array.from({ length: 1200 }, (_, i) => ({ idTag: `FLEET-${i}` })),
        { idTag: ".." },
      ]);
      await page.getByRole("link", { name: "Status" }).click();
      await page.getByRole("link", { name: "Whitelist" }).click();
      await page.locator("#wl-count", { hasText: "1201 Einträge Angezeigt werden die ersten 500" })
        .waitFor();
      assert.equal(await page.locator("#wl-table tbody tr").count(), 500);
      await page.getByLabel("Suchen").fill("fleet-1199");
      await page.locator("#wl-count", { hasText: "1 von 1201 Einträgen" }).waitFor();
      await page.getByLabel("Suchen").fill("..");
      await page.getByRole("button", { name: "Entfernen .." }).click();
      await page.getByText(".. entfernt.").waitFor();
      assert.equal(stored().length, 1200);
      assert.ok(!stored().some((e) => e.idTag === ".."));
      await page.getByLabel("Suchen").fill("");
      rig.runtime.whitelist.replace(before);
      await page.getByRole("link", { name: "Status" }).click();
      await page.getByRole("link", { name: "Whitelist" }).click();
      await page.locator("#wl-count", { hasText: "2 Einträge" }).waitFor();
    },
  );

  await t.step("with the OCPP source, the backend's list is shown read-only", async () => {
    const m = rig.csms.mark;
    await rig.runtime.updateSettings({
      backendConnectionType: "ethernet",
      backendUrl: rig.csms.url,
      chargePointId: "WEB-WL",
      whitelistSource: "ocpp",
    });
    await rig.csms.next("StatusNotification", m);
    const sent = await rig.csms.call("SendLocalList", {
      listVersion: 7,
      updateType: "Full",
      localAuthorizationList: [
        { idTag: "OCPP-1", idTagInfo: { status: "Accepted", expiryDate: "2031-01-01T00:00:00Z" } },
        { idTag: "OCPP-2", idTagInfo: { status: "Blocked", parentIdTag: "FLEET" } },
      ],
    });
    assert.deepEqual(sent, { status: "Accepted" });
    await page.getByRole("link", { name: "Status" }).click();
    await page.getByRole("link", { name: "Whitelist" }).click();
    await page.getByText("Die OCPP Whitelist des Backends entscheidet").waitFor();
    const ocpp = page.locator("#wl-ocpp");
    await ocpp.getByRole("heading", { name: "OCPP Whitelist (vom Backend verwaltet)" }).waitFor();
    assert.equal(await page.locator("#wl-ocpp-version").textContent(), "7");
    assert.deepEqual(await ocpp.locator("tbody th").allTextContents(), ["OCPP-1", "OCPP-2"]);
    assert.match(await ocpp.locator("tbody tr").nth(1).textContent() ?? "", /Blocked.*FLEET/);
    assert.equal(await ocpp.getByRole("button").count(), 0, "read-only: no buttons");
    // The local list is still there to edit.
    assert.deepEqual(await shownIdTags(page), ["GOOD-1", "GOOD-2"]);
    await page.setViewportSize(PHONE);
    await assertNoSideScroll(page);
    await screenshot(page, "whitelist-ocpp-phone");
  });

  assert.deepEqual(pageErrors, []);
  assert.deepEqual(rig.csms.invalid, []);
});

Deno.test("status page: safe mode shows why charging is disabled; the button enables it again", async () => {
  const reason = "state.db was damaged (file is not a database) and moved to state.db.damaged-1";
  await using rig = await startWebRig({ safeMode: reason });
  await using browser = await launchBrowser({ locale: "de-DE", viewport: PHONE });
  const { page } = browser;
  const pageErrors: string[] = [];
  page.on("pageerror", (err) => pageErrors.push(String(err)));
  await logIn(page, rig);
  const store = page.locator("#store");
  await store.locator("#store-state", { hasText: "Sicherer Modus: Laden gesperrt" }).waitFor();
  await store.getByRole("heading", { name: "Laden ist gesperrt (sicherer Modus)" }).waitFor();
  await store.getByText(`Grund: ${reason}`).waitFor();
  assert.match(
    await page.locator("#store-queue").textContent() ?? "",
    /^0 von 20\.000 Nachrichten$/,
  );
  assert.equal(await page.locator("#store-given-up").textContent(), "0");
  await assertNoSideScroll(page);
  await screenshot(page, "status-safe-mode-phone");
  assert.equal(rig.runtime.status().durability.state, "safe_mode");

  await page.getByRole("button", { name: "Laden wieder freigeben" }).click();
  await page.getByText("Das Laden ist wieder freigegeben.").waitFor();
  await store.locator("#store-state", { hasText: "In Ordnung" }).waitFor();
  assert.equal(await page.locator("#safe-mode").isHidden(), true);
  assert.equal(await focusedId(page), "store-h");
  assert.equal(rig.runtime.status().durability.state, "ok");
  assert.equal(rig.runtime.status().durability.chargingDisabled, null);
  // The rest of the page works on.
  await page.getByRole("button", { name: "Einstecken" }).click();
  await page.locator("#c1-status", { hasText: "Vorbereitung" }).waitFor();
  assert.deepEqual(pageErrors, []);
});

Deno.test("settings page: the CA and the client key are uploaded; a wrong file is refused", async () => {
  const pki = await makeTestPki();
  try {
    await using rig = await startWebRig();
    await using browser = await launchBrowser({ locale: "de-DE", viewport: PHONE });
    const { page } = browser;
    const pageErrors: string[] = [];
    page.on("pageerror", (err) => pageErrors.push(String(err)));
    await logIn(page, rig);
    await page.getByRole("link", { name: "OCPP-Einstellungen" }).click();
    // The TLS fields apply only with TLS: profile 3 shows them (profile 0 hides them).
    assert.equal(await page.getByLabel("CA-Zertifikat hochladen (PEM)").isHidden(), true);
    await page.locator("#f-securityProfile").selectOption("3");
    const ca = page.getByLabel("CA-Zertifikat hochladen (PEM)");
    await ca.waitFor();
    const dir = await Deno.realPath(rig.dataDir);

    await ca.setInputFiles(pki.ca.file);
    await page.getByText(`Hochgeladen und eingestellt: ${dir}/certs/ca.pem`).waitFor();
    assert.equal(
      await page.getByLabel("CA-Zertifikatsdatei (PEM)").inputValue(),
      `${dir}/certs/ca.pem`,
    );
    assert.equal(rig.store.get("TlsCaFile"), `${dir}/certs/ca.pem`);
    assert.equal(await Deno.readTextFile(`${dir}/certs/ca.pem`), pki.ca.pem);

    // A certificate where the key belongs: refused, nothing set.
    const key = page.getByLabel("Client-Schlüssel hochladen (PEM)");
    await key.setInputFiles(pki.client.certFile);
    await page.locator("#us-tlsClientKeyFile", { hasText: "Nicht hochgeladen: Falscher Inhalt" })
      .waitFor();
    assert.equal(rig.store.get("TlsClientKeyFile"), "");

    await key.setInputFiles(pki.client.keyFile);
    await page.getByText(`Hochgeladen und eingestellt: ${dir}/certs/client-key.pem`).waitFor();
    assert.equal(rig.store.get("TlsClientKeyFile"), `${dir}/certs/client-key.pem`);
    assert.equal((await Deno.stat(`${dir}/certs/client-key.pem`)).mode! & 0o777, 0o600);
    // The uploaded paths count as saved: nothing left to save (the profile back as it was).
    await page.locator("#f-securityProfile").selectOption("0");
    await page.getByRole("button", { name: "Speichern" }).click();
    await page.getByText("Keine Änderungen.").waitFor();
    await assertNoSideScroll(page);
    const keyBody = (await Deno.readTextFile(pki.client.keyFile)).split("\n")[1]!;
    assert.ok(!(await page.content()).includes(keyBody), "the key is not in the page");
    assert.ok(!rig.logs.some((l) => l.includes(keyBody)), "the key is not logged");
    assert.deepEqual(pageErrors, []);
  } finally {
    await Deno.remove(pki.dir, { recursive: true });
  }
});

Deno.test("settings page: without a data directory the upload is hidden", async () => {
  await using rig = await startWebRig({ certs: false });
  await using browser = await launchBrowser({ locale: "en-US", viewport: DESKTOP });
  const { page } = browser;
  await logIn(page, rig);
  await page.getByRole("link", { name: "OCPP settings" }).click();
  // The TLS fields apply with TLS only.
  await page.locator("#f-securityProfile").selectOption("2");
  await page.getByLabel("CA certificate file (PEM)").waitFor();
  assert.equal(await page.getByLabel("Upload CA certificate (PEM)").count(), 1);
  assert.equal(await page.getByLabel("Upload CA certificate (PEM)").isHidden(), true);
  assert.equal(await page.locator("[data-upload]:not([hidden])").count(), 0);
});
