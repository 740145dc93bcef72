/**
 * The types of the settings registry (private to `config/`; import them
 * from `registry.ts`).
 *
 * @module
 */

/** Value kinds of OCPP 1.6 section 9 ("CSL" is a comma separated list). */
export type Kind = "boolean" | "integer" | "string" | "csl";

/** A stored value. CSL values are stored as their string form. */
export type Value = string | number | boolean;

/** One configuration entry. */
export interface KeyDef {
  /** The OCPP configuration key (vendor keys for app-only settings). */
  readonly key: string;
  /** The name in the local API and config file, where the app shows it. */
  readonly setting?: string;
  readonly kind: Kind;
  /** R: read-only for the backend; RW: read-write; W: write-only (secrets). */
  readonly access: "R" | "RW" | "W";
  readonly default: Value;
  /** Hidden from GetConfiguration (app-only settings). */
  readonly appOnly?: boolean;
  /** A change takes effect only after a reboot (ChangeConfiguration answers RebootRequired). */
  readonly reboot?: boolean;
  /** Never shown: not in GetConfiguration, the API or logs. */
  readonly secret?: boolean;
  readonly min?: number;
  readonly max?: number;
  readonly choices?: readonly string[];
  /** For CSL: allowed items. */
  readonly items?: readonly string[];
  /** For CSL: most items allowed. */
  readonly maxItems?: number;
  /**
   * For a string: the value is a JSON object, given as an object in the
   * local API and the config file and stored as its text.
   */
  readonly json?: boolean;
  /** Extra check; returns the reason it is invalid. */
  readonly check?: (value: Value) => string | undefined;
  /**
   * A check of a change the Central System asks for (ChangeConfiguration)
   * against the current settings; returns why it is refused (answered
   * Rejected). The local API is "another method" and is not held to it
   * (Security Whitepaper A00.FR.005).
   */
  readonly checkChange?: (value: Value, current: AnyConfigView) => string | undefined;
  /**
   * The value follows from other settings and is never stored (e.g.
   * SupportedFeatureProfiles from the profiles switched on), so it is true in
   * every configuration. Only for read-only keys.
   */
  readonly derive?: (current: AnyConfigView) => Value;
}

/**
 * A read-only view of the current values by any key: what the registry's
 * own checks see. Actors read through the typed `ConfigView` of
 * `registry.ts`, whose keys are the registry's.
 */
export interface AnyConfigView {
  int(key: string): number;
  bool(key: string): boolean;
  str(key: string): string;
}
