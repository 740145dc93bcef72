/**
 * Checks the browser tests run on every page they visit:
 *
 * - {@linkcode assertAccessible}: axe-core (`npm:axe-core`, pinned in
 *   deno.json) injected into the page over the DevTools protocol (the
 *   page's Content-Security-Policy allows no inline script), failing on any
 *   serious or critical violation;
 * - {@linkcode assertTranslated}: no visible text in the other language, and
 *   no text key shown in place of its text (a missing translation). Text
 *   meant to stay as it is (URLs, OCPP key names and codes, technical
 *   details) is marked `translate="no"` and skipped.
 *
 * @module
 */
import type { Page } from "playwright-core";

let axeSource: string | undefined;

async function loadAxe(): Promise<string> {
  if (axeSource === undefined) {
    const mod = await import("axe-core");
    axeSource = (mod as unknown as { default: { source: string } }).default.source;
  }
  return axeSource;
}

/** One violation as axe reports it (the part the message needs). */
interface Violation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: readonly { readonly target: readonly string[] }[];
}

/**
 * Runs axe-core on the page as it is now.
 *
 * @throws {Error} naming each serious or critical violation and where.
 */
export async function assertAccessible(page: Page, where: string): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  try {
    const loaded = await cdp.send("Runtime.evaluate", { expression: await loadAxe() });
    if (loaded.exceptionDetails) {
      throw new Error(`Cannot load axe-core: ${loaded.exceptionDetails.text}`);
    }
    const run = await cdp.send("Runtime.evaluate", {
      expression:
        "axe.run(document, { resultTypes: ['violations'] }).then((r) => JSON.stringify(r.violations))",
      awaitPromise: true,
      returnByValue: true,
    });
    if (run.exceptionDetails) throw new Error(`axe-core failed: ${run.exceptionDetails.text}`);
    const violations = JSON.parse(String(run.result.value)) as Violation[];
    const serious = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    if (serious.length > 0) {
      throw new Error(
        `${where}: ${serious.length} serious accessibility violations:\n` +
          serious.map((v) =>
            `- ${v.id} (${v.impact}): ${v.help} at ${
              v.nodes.map((n) => n.target.join(" ")).join(", ")
            }`
          ).join("\n"),
      );
    }
  } finally {
    await cdp.detach();
  }
}

/** Words of English that German texts do not use, and the reverse. */
const FOREIGN: Record<"de" | "en", RegExp> = {
  de:
    /\b(the|is|are|must|not|and|with|without|refused|configured|nothing|connection|settings|invalid|unknown|failed)\b/i,
  en: /\b(der|die|das|und|nicht|ist|mit|ohne|Ladepunkt|Karte|Einstellungen|Verbindung)\b|[äöüß]/i,
};
/** A text key shown as it is: t() found no text for it. */
const KEY =
  /(?<![\w.])(auth|br|journal|sr|ls|state|cs|ev|c|e|pr|fix|backend|hist|cfg|field|dev|store|profile|ds|wl|f|h|o|ph)\.[A-Za-z_]{2,}\b/;

/**
 * Fails when a visible text of the page is in the other language or is a
 * text key.
 */
export async function assertTranslated(
  page: Page,
  lang: "de" | "en",
  where: string,
): Promise<void> {
  // A function, not a string: the page's Content-Security-Policy forbids eval.
  const texts = await page.evaluate(() => {
    const out: string[] = [];
    // deno-lint-ignore no-explicit-any
    const doc = (globalThis as any).document;
    const walker = doc.createTreeWalker(doc.body, 4 /* NodeFilter.SHOW_TEXT */);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = String(node.textContent ?? "").trim();
      const parent = node.parentElement;
      if (!text || !parent) continue;
      if (parent.closest("[translate=no], code, script, style, [hidden]")) continue;
      if (parent.getClientRects().length === 0) continue; // not rendered
      out.push(text);
    }
    return out;
  });
  const bad = texts.filter((s) => FOREIGN[lang].test(s) || KEY.test(s));
  if (bad.length > 0) {
    throw new Error(`${where}: untranslated text on the ${lang} page:\n- ${bad.join("\n- ")}`);
  }
}

/** Both checks. */
export async function assertPage(page: Page, lang: "de" | "en", where: string): Promise<void> {
  await assertTranslated(page, lang, where);
  await assertAccessible(page, where);
}
