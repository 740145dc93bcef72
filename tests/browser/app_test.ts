/**
 * The local web app in headless Chromium against the real runtime
 * (simulated hardware, settings on disk) and a real Central System:
 * login, settings with field errors, connecting to a backend, a simulated
 * charging session from the developer panel with live energy, language
 * switch, logout, and screenshots at phone and desktop width.
 *
 * Needs Debian's `chromium` at /usr/bin/chromium; fails (never skips)
 * without it.
 *
 * @module
 */
import assert from "node:assert/strict";
// Test-only dependency, pinned here rather than in deno.json (see the report of issue 6).
import type { Page } from "playwright-core";
import { launchBrowser, screenshot, startWebRig, WAIT_MS, type WebRig } from "./_rig.ts";

const PHONE = { width: 375, height: 812 };
const DESKTOP = { width: 1280, height: 800 };

/** The energy figure of connector 1 in Wh, read from the page ("0,123 kWh"). */
async function energyWh(page: Page): Promise<number> {
  const text = await page.locator("#c1-energy").textContent() ?? "";
  const m = /([\d.,]+)\s*kWh/.exec(text);
  assert.ok(m, `energy text ${JSON.stringify(text)}`);
  return Math.round(Number(m[1]!.replace(/\./g, "").replace(",", ".")) * 1000);
}

/** The page's width fits the viewport: nothing scrolls sideways. */
async function assertNoSideScroll(page: Page): Promise<void> {
  const [scroll, client] = await page.evaluate<[number, number]>(
    "[document.documentElement.scrollWidth, document.documentElement.clientWidth]",
  );
  assert.ok(scroll <= client, `page is ${scroll}px wide in a ${client}px viewport`);
}

/** The id of the element that has the keyboard focus. */
function focused(page: Page): Promise<string> {
  return page.evaluate<string>("document.activeElement?.id ?? ''");
}

/** The part of the page's DOM the functions run in the browser use (Deno has no DOM types). */
declare const document: { getElementById(id: string): { textContent: string | null } | null };

/** Waits until the page's energy figure of connector 1 is at least `wh`. */
async function waitForEnergy(page: Page, wh: number): Promise<void> {
  // A function, not a string: the page's Content-Security-Policy forbids eval.
  await page.waitForFunction(
    (min: number) => {
      const text = document.getElementById("c1-energy")?.textContent ?? "";
      return Number(text.replace(/[^\d,]/g, "").replace(",", ".")) * 1000 >= min;
    },
    wh,
    { timeout: WAIT_MS },
  );
}

async function settingsFile(rig: WebRig): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(`${rig.dataDir}/settings.json`);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    throw err;
  }
}

Deno.test("web app: login, settings, connect, live session, language, logout, screenshots", async (t) => {
  await using rig = await startWebRig();
  await using browser = await launchBrowser({ locale: "de-DE", viewport: DESKTOP });
  const { page } = browser;
  const pageErrors: string[] = [];
  page.on("pageerror", (err) => pageErrors.push(String(err)));

  await t.step("a wrong token is refused, the right one logs in (keyboard only)", async () => {
    await page.goto(rig.url);
    const token = page.getByLabel("API-Token");
    await token.waitFor();
    assert.equal(await focused(page), "login-token");
    await page.keyboard.type("wrong-token");
    await page.keyboard.press("Enter");
    await page.getByText("Das Token ist falsch.").waitFor();
    assert.equal(await token.getAttribute("aria-invalid"), "true");
    await token.fill(rig.token);
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { level: 1, name: "Status" }).waitFor();
    await page.locator("#backend-state", { hasText: "Kein Backend (Standalone)" }).waitFor();
    const cookie = (await browser.context.cookies()).find((c) => c.name === "wallbox_session");
    assert.ok(cookie, "session cookie set");
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, "Strict");
    assert.equal(cookie.path, "/");
  });

  await t.step("an invalid backend URL shows the field error and saves nothing", async () => {
    const before = await settingsFile(rig);
    await page.getByRole("link", { name: "OCPP-Einstellungen" }).click();
    await page.getByRole("heading", { level: 1, name: "OCPP-Einstellungen" }).waitFor();
    const url = page.getByLabel("OCPP Backend URL");
    await url.waitFor();
    await page.getByLabel("Backend Verbindungstyp").selectOption("ethernet");
    await url.fill("http://example.com/ocpp");
    await page.getByRole("button", { name: "Speichern" }).click();
    const error = page.locator("#e-backendUrl");
    await error.getByText("muss eine ws://- oder wss://-URL sein").waitFor();
    assert.equal(await url.getAttribute("aria-invalid"), "true");
    assert.match(await url.getAttribute("aria-describedby") ?? "", /\be-backendUrl\b/);
    assert.equal(await focused(page), "f-backendUrl");
    await page.getByText("Nicht gespeichert: bitte die markierten Felder korrigieren.").waitFor();
    assert.equal(rig.store.get("CentralSystemUrl"), "");
    assert.equal(rig.store.get("BackendConnectionType"), "none");
    assert.equal(await settingsFile(rig), before);
  });

  await t.step("a backend URL of the loopback Central System connects (accepted)", async () => {
    await page.getByLabel("OCPP Charge Point ID").fill("WEB-1");
    await page.getByLabel("OCPP Backend URL").fill(rig.csms.url);
    const password = page.getByLabel("OCPP Backend Passwort");
    assert.equal(await password.getAttribute("placeholder"), "Kein Passwort gespeichert");
    // Editing the field hides its stale error.
    assert.equal(await page.locator("#e-backendUrl").isHidden(), true);
    assert.equal(await page.getByLabel("OCPP Backend URL").getAttribute("aria-invalid"), null);
    await page.getByRole("button", { name: "Speichern" }).click();
    await page.getByText("Gespeichert. Die Änderungen gelten sofort.").waitFor();
    await screenshot(page, "settings-desktop");
    assert.equal(rig.store.get("CentralSystemUrl"), rig.csms.url);
    await page.getByRole("link", { name: "Status" }).click();
    await page.locator("#backend-state", { hasText: "Verbunden (angenommen)" }).waitFor();
    await page.locator("#events li", { hasText: "Backend: Verbunden (angenommen)" }).waitFor();
    assert.equal(rig.csms.lastHandshake?.identity, "WEB-1");
  });

  await t.step("a session from the developer panel: the live energy figure rises", async () => {
    const m = rig.csms.mark;
    await page.getByRole("button", { name: "Einstecken" }).click();
    await page.locator("#c1-status", { hasText: "Vorbereitung" }).waitFor();
    await page.getByLabel("RFID-Kartennummer").fill("WEB-CARD-1");
    await page.getByRole("button", { name: "Karte vorhalten" }).click();
    await page.locator("#c1-status", { hasText: "Lädt" }).waitFor();
    await rig.csms.next("StartTransaction", m, (p) => p.idTag === "WEB-CARD-1");
    await page.locator("#c1-energy").waitFor();
    const start = await energyWh(page);
    // 7400 W for 60 s of the runtime's clock is 123 Wh; the page hears of it by SSE.
    await rig.advance(60_000);
    await waitForEnergy(page, start + 100);
    const after = await energyWh(page);
    assert.ok(after >= start + 100 && after <= start + 124, `energy ${start} -> ${after} Wh`);
    await rig.advance(60_000);
    await waitForEnergy(page, after + 100);
    await page.getByText("WEB-CARD-1").first().waitFor();
    await page.locator("#events li", { hasText: "Ladevorgang gestartet (WEB-CARD-1)" }).waitFor();
    await screenshot(page, "status-desktop");
    await page.getByRole("button", { name: "Fahrzeug pausiert" }).click();
    await page.locator("#c1-status", { hasText: "Pausiert (Fahrzeug)" }).waitFor();
    await page.getByRole("button", { name: "Fahrzeug lädt" }).click();
    await page.locator("#c1-status", { hasText: "Lädt" }).waitFor();
  });

  await t.step("the device log shows what happened, OCPP frames included", async () => {
    await page.getByRole("button", { name: "Protokoll anzeigen" }).click();
    await page.locator("#log-lines", { hasText: '"BootNotification"' }).waitFor();
    await page.locator("#log-lines", { hasText: "WEB-CARD-1" }).waitFor();
  });

  await t.step("at phone width nothing scrolls sideways", async () => {
    await page.setViewportSize(PHONE);
    await assertNoSideScroll(page);
    await screenshot(page, "status-phone");
    await page.getByRole("link", { name: "OCPP-Einstellungen" }).click();
    await page.getByLabel("OCPP Backend URL").waitFor();
    await assertNoSideScroll(page);
    await screenshot(page, "settings-phone");
    await page.setViewportSize(DESKTOP);
  });

  await t.step("the language switch turns the page English", async () => {
    await page.getByLabel("Sprache").selectOption("en");
    await page.getByRole("heading", { level: 1, name: "OCPP settings" }).waitFor();
    await page.getByLabel("OCPP backend URL").waitFor();
    await page.getByLabel("WebSocket keep-alive interval").fill("-5");
    await page.getByRole("button", { name: "Save" }).click();
    await page.locator("#e-keepAliveIntervalS", { hasText: "must be >= 0" }).waitFor();
    assert.equal(rig.store.get("WebSocketPingInterval"), 0);
    await page.getByLabel("Language").selectOption("de");
    await page.locator("#e-keepAliveIntervalS", { hasText: "muss mindestens 0 sein" }).waitFor();
    // Switching the language keeps what was typed.
    assert.equal(await page.getByLabel("Websocket Keep-Alive Intervall").inputValue(), "-5");
  });

  await t.step("logout ends the session", async () => {
    await page.getByRole("button", { name: "Abmelden" }).click();
    await page.getByRole("heading", { level: 1, name: "Anmelden" }).waitFor();
    const res = await page.request.get(`${rig.url}/api/status`);
    assert.equal(res.status(), 401);
  });

  assert.deepEqual(pageErrors, []);
  assert.deepEqual(rig.csms.invalid, []);
});

Deno.test("web app: an English browser gets the English page, usable at phone width", async () => {
  await using rig = await startWebRig();
  await using browser = await launchBrowser({ locale: "en-US", viewport: PHONE });
  const { page } = browser;
  await page.goto(rig.url);
  await page.getByRole("heading", { level: 1, name: "Log in" }).waitFor();
  await assertNoSideScroll(page);
  await screenshot(page, "login-phone");
  await page.getByLabel("API token").fill(rig.token);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.locator("#backend-state", { hasText: "No backend (standalone)" }).waitFor();
  await page.getByRole("button", { name: "Plug in" }).click();
  await page.locator("#c1-status", { hasText: "Preparing" }).waitFor();
  await page.locator("#events li", { hasText: "Connector 1: Preparing" }).waitFor();
  assert.equal(await page.getByRole("button", { name: "Plug in" }).isDisabled(), true);
});
