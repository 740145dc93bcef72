/**
 * The persisted settings store: values of the registry, kept in
 * `<data-dir>/settings.json` (written atomically: temp file, fsync, rename;
 * mode 0600 because it holds the backend password).
 *
 * @module
 */
import { writeFileAtomicSync } from "./atomic_write.ts";
import {
  byKey,
  bySetting,
  type ConfigView,
  type KeyDef,
  parseJson,
  REGISTRY,
  type Value,
  viewOf,
} from "./registry.ts";

/** A rejected setting: which field, and why. */
export interface FieldError {
  readonly field: string;
  readonly reason: string;
}

/** Thrown when settings are invalid; nothing was changed. */
export class SettingsError extends Error {
  readonly errors: readonly FieldError[];
  constructor(errors: readonly FieldError[]) {
    super(`Cannot apply settings: ${errors.map((e) => `${e.field} ${e.reason}`).join("; ")}`);
    this.name = "SettingsError";
    this.errors = errors;
  }
}

/** The settings store. */
export class ConfigStore {
  #path: string | undefined;
  #values = new Map<string, Value>();
  #view: ConfigView;
  #problems: FieldError[] = [];

  /** A store kept in memory only (tests) when `path` is undefined. */
  constructor(path?: string) {
    this.#path = path;
    this.#view = viewOf(this.#values);
  }

  /**
   * The stored values {@link ConfigStore.open} could not use, each with why
   * (its default applies); empty when every stored value was valid.
   */
  get problems(): readonly FieldError[] {
    return this.#problems;
  }

  /**
   * Loads `settings.json` from the data directory; a missing file means
   * defaults. A stored value that is invalid is not used (its default
   * applies) and is listed in {@link ConfigStore.problems}; the others are
   * kept. A UTF-8 byte order mark before the JSON is skipped.
   *
   * @throws {SyntaxError} when the file is not JSON, {TypeError} when not an object.
   */
  static async open(dataDir: string): Promise<ConfigStore> {
    const store = new ConfigStore(`${dataDir}/settings.json`);
    let text: string | undefined;
    try {
      text = await Deno.readTextFile(store.#path!);
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
    if (text !== undefined) {
      let data: unknown;
      try {
        data = JSON.parse(text.replace(/^\uFEFF/, ""));
      } catch {
        throw new SyntaxError(`Cannot read ${store.#path}: not JSON`);
      }
      if (typeof data !== "object" || data === null || Array.isArray(data)) {
        throw new TypeError(`Cannot read ${store.#path}: not a JSON object`);
      }
      for (const [key, value] of Object.entries(data)) {
        const def = byKey(key);
        if (!def) continue; // a key of an older version: dropped
        const parsed = parseJson(def, value);
        if (parsed.ok) {
          store.#values.set(key, parsed.value);
          continue;
        }
        // Never the stored value itself: it may be a secret.
        const fallback = def.secret ? "" : ` ${JSON.stringify(def.default)}`;
        store.#problems.push({
          field: key,
          reason: `stored value ${parsed.reason}; using the default${fallback}`,
        });
      }
    }
    return store;
  }

  /** The current values, as actors read them. */
  get view(): ConfigView {
    return this.#view;
  }

  /** The value of a key (defaults included). */
  get(key: string): Value {
    const def = byKey(key);
    if (!def) throw new RangeError(`Cannot read config key ${key}: unknown key`);
    if (def.derive) return def.derive(this.#view);
    return this.#values.get(key) ?? def.default;
  }

  /** Sets a value already validated against its definition; persists (see {@link setSync}). */
  set(key: string, value: Value): Promise<void> {
    try {
      this.setSync(key, value);
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * Sets a value already validated against its definition: written to disk
   * first, and only then the value readers see. A failed write throws and
   * changes nothing, so memory and disk never disagree.
   */
  setSync(key: string, value: Value): void {
    this.#commit(new Map([[key, value]]));
  }

  /**
   * Validates settings by app name (`backendUrl`) or OCPP key
   * (`HeartbeatInterval`), all or nothing.
   *
   * @returns the changes, by OCPP key, that differ from the current values.
   * @throws {SettingsError} naming every invalid field; nothing changes.
   */
  validateSettings(input: unknown): Map<string, Value> {
    if (typeof input !== "object" || input === null || Array.isArray(input)) {
      throw new SettingsError([{ field: "(body)", reason: "must be a JSON object" }]);
    }
    const errors: FieldError[] = [];
    const changes = new Map<string, Value>();
    for (const [field, value] of Object.entries(input)) {
      const def: KeyDef | undefined = bySetting(field) ?? byKey(field);
      if (!def) {
        errors.push({ field, reason: "is not a known setting" });
        continue;
      }
      if (def.access === "R" && !def.setting) {
        errors.push({ field, reason: "is read-only" });
        continue;
      }
      const parsed = parseJson(def, value);
      if (!parsed.ok) errors.push({ field, reason: parsed.reason });
      else if (parsed.value !== this.get(def.key)) changes.set(def.key, parsed.value);
    }
    if (errors.length) throw new SettingsError(errors);
    return changes;
  }

  /** Applies validated changes at once: on disk first, then in memory; a failed write changes nothing. */
  apply(changes: ReadonlyMap<string, Value>): Promise<void> {
    try {
      this.#commit(changes);
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** The settings as the app shows them: by setting name, secrets replaced by whether they are set. */
  publicSettings(): Record<string, Value> {
    const out: Record<string, Value> = {};
    for (const def of REGISTRY) {
      if (!def.setting) continue;
      const v = this.get(def.key);
      if (def.secret) out[`${def.setting}Set`] = v !== "";
      else out[def.setting] = v;
    }
    return out;
  }

  /**
   * Writes the values with `changes` applied, synchronously (temp file,
   * fsync, rename, directory fsync), and only then changes the values in
   * memory: a setting the Central System was told is Accepted survives a
   * kill or power cut right after, two saves never interleave, and a write
   * that fails throws with memory unchanged. The file is a few kilobytes.
   */
  #commit(changes: ReadonlyMap<string, Value>): void {
    if (this.#path) {
      const data: Record<string, Value> = {};
      for (const [k, v] of this.#values) data[k] = v;
      for (const [k, v] of changes) data[k] = v;
      const bytes = new TextEncoder().encode(JSON.stringify(data, null, 2) + "\n");
      writeFileAtomicSync(this.#path, bytes, 0o600);
    }
    for (const [k, v] of changes) this.#values.set(k, v);
  }
}
