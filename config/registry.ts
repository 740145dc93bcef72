/**
 * The one typed registry of settings. The app settings of the wallbox (seed
 * page) and the OCPP configuration keys (OCPP 1.6 chapter 9) are the same
 * store: each entry has an OCPP key, optionally an app setting name, a kind,
 * an access mode, a default and a validator. GetConfiguration,
 * ChangeConfiguration, the local API and the config file all go through here.
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
  /** Extra check; returns the reason it is invalid. */
  readonly check?: (value: Value) => string | undefined;
  /**
   * A check of a change the Central System asks for (ChangeConfiguration)
   * against the current settings; returns why it is refused (answered
   * Rejected). The local API is "another method" and is not held to it
   * (Security Whitepaper A00.FR.005).
   */
  readonly checkChange?: (value: Value, current: ConfigView) => string | undefined;
}

/** Measurands of OCPP 1.6 section 7.31 this meter can deliver. */
export const SUPPORTED_MEASURANDS = [
  "Energy.Active.Import.Register",
  "Power.Active.Import",
] as const;

function checkUrl(value: Value): string | undefined {
  if (value === "") return undefined;
  try {
    const url = new URL(String(value));
    if (url.protocol !== "ws:" && url.protocol !== "wss:") return "must be a ws:// or wss:// URL";
    if (url.search || url.hash) return "must not have a query or fragment";
  } catch {
    return "must be a ws:// or wss:// URL";
  }
  return undefined;
}

function checkProxy(value: Value): string | undefined {
  if (value === "") return undefined;
  const m = /^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\])(?::(\d{1,5}))?$/.exec(String(value));
  if (!m) return "must be HOST or HOST:PORT";
  if (m[2] !== undefined && (Number(m[2]) < 1 || Number(m[2]) > 65535)) {
    return "port must be 1-65535";
  }
  return undefined;
}

function checkInterface(value: Value): string | undefined {
  return /^[A-Za-z0-9_.:@-]{0,15}$/.test(String(value))
    ? undefined
    : "must be a network interface name (at most 15 letters, digits, '_', '.', ':', '@', '-')";
}

/**
 * Security Whitepaper section 7.6 and A05.FR.01-04: SecurityProfile is only
 * raised, and only when the new profile's prerequisites are met (a valid
 * AuthorizationKey for 1 and 2, a client certificate and key for 3; the
 * server is verified against the system store or `tlsCaFile` for 2 and 3).
 */
export function securityProfileRefusal(value: Value, current: ConfigView): string | undefined {
  const next = Number(value);
  const now = current.int("SecurityProfile");
  if (next <= now) {
    return `can only be raised over OCPP (now ${now}; Security Whitepaper A05.FR.01)`;
  }
  if ((next === 1 || next === 2) && current.str("AuthorizationKey") === "") {
    return `profile ${next} needs an AuthorizationKey (A05.FR.02)`;
  }
  if (
    next === 3 &&
    (current.str("TlsClientCertFile") === "" || current.str("TlsClientKeyFile") === "")
  ) {
    return "profile 3 needs a client certificate and key (A05.FR.04)";
  }
  return undefined;
}

function checkIdentity(value: Value): string | undefined {
  const s = String(value);
  if (s === "") return "must not be empty";
  if (s.length > 48) return "must be at most 48 characters";
  // ':' would split the HTTP Basic user-id from the password (RFC 7617 section 2).
  if (/[\s/?#:]/.test(s)) return "must not contain spaces, '/', '?', '#' or ':'";
  return undefined;
}

/** Every setting and configuration key. */
export const REGISTRY: readonly KeyDef[] = [
  // --- App settings of the seed, in the seed's order ---
  {
    key: "BackendConnectionType",
    setting: "backendConnectionType",
    kind: "string",
    access: "R",
    default: "none",
    choices: ["none", "ethernet", "wlan"],
    appOnly: true,
  },
  {
    key: "ChargePointId",
    setting: "chargePointId",
    kind: "string",
    access: "R",
    default: "wallbox-1",
    check: checkIdentity,
    appOnly: true,
  },
  {
    key: "CentralSystemUrl",
    setting: "backendUrl",
    kind: "string",
    access: "R",
    default: "",
    check: checkUrl,
    appOnly: true,
  },
  // Security Whitepaper section 2.4: write-only, never readable.
  {
    key: "AuthorizationKey",
    setting: "backendPassword",
    kind: "string",
    access: "W",
    default: "",
    secret: true,
    max: 40,
    // Whitepaper A00.FR.205 / 7.2: at least 16 bytes, at most 40 characters (20 bytes as
    // hex). Printable ASCII keeps characters equal to bytes in the Basic auth header.
    // "" means not set (no HTTP Basic authentication). Reasons never quote the value.
    check: (v) =>
      v === "" || /^[\x20-\x7e]{16,}$/.test(String(v))
        ? undefined
        : "must be 16-40 printable ASCII characters",
  },
  // Security Whitepaper section 7.6: 0 ws, 1 ws + Basic, 2 wss + Basic, 3 wss + client
  // certificate. Profiles 2 and 3 connect with wss:// whatever scheme the URL has.
  {
    key: "SecurityProfile",
    setting: "securityProfile",
    kind: "integer",
    access: "RW",
    default: 0,
    min: 0,
    max: 3,
    checkChange: securityProfileRefusal,
  },
  // The network interface for each connection type; "" lets the operating system route.
  // A named interface must be up with an address, and the socket binds to that address.
  {
    key: "EthernetInterface",
    setting: "ethernetInterface",
    kind: "string",
    access: "R",
    default: "",
    check: checkInterface,
    appOnly: true,
  },
  {
    key: "WlanInterface",
    setting: "wlanInterface",
    kind: "string",
    access: "R",
    default: "",
    check: checkInterface,
    appOnly: true,
  },
  // The last security settings a connection opened with (written by the connection
  // supervisor), to fall back to when new ones are refused (Security Whitepaper A05.FR.08).
  // -1: none yet. Neither is shown or settable.
  {
    key: "FallbackSecurityProfile",
    kind: "integer",
    access: "R",
    default: -1,
    min: -1,
    max: 3,
    appOnly: true,
  },
  {
    key: "FallbackAuthorizationKey",
    kind: "string",
    access: "R",
    default: "",
    secret: true,
    appOnly: true,
  },
  {
    key: "AuthorizationMode",
    setting: "authorizationMode",
    kind: "string",
    access: "R",
    default: "ocpp",
    choices: ["local", "free", "ocpp"],
    appOnly: true,
  },
  {
    key: "FreeChargingIdTag",
    setting: "freeChargingIdTag",
    kind: "string",
    access: "R",
    default: "FREE",
    max: 20,
    appOnly: true,
    // The idTag of free-charging transactions: an OCPP IdToken (CiString20Type, section 7.28).
    check: (v) =>
      /^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/.test(String(v))
        ? undefined
        : "must be 1-20 printable ASCII characters, without leading or trailing spaces",
  },
  {
    key: "WhitelistSource",
    setting: "whitelistSource",
    kind: "string",
    access: "R",
    default: "ocpp",
    choices: ["ocpp", "local"],
    appOnly: true,
  },
  {
    key: "TlsVerifyServer",
    setting: "tlsVerifyServer",
    kind: "boolean",
    access: "R",
    default: true,
    appOnly: true,
  },
  {
    key: "TlsCaFile",
    setting: "tlsCaFile",
    kind: "string",
    access: "R",
    default: "",
    appOnly: true,
  },
  {
    key: "TlsClientCertFile",
    setting: "tlsClientCertFile",
    kind: "string",
    access: "R",
    default: "",
    appOnly: true,
  },
  {
    key: "TlsClientKeyFile",
    setting: "tlsClientKeyFile",
    kind: "string",
    access: "R",
    default: "",
    appOnly: true,
  },
  {
    key: "WebSocketProxy",
    setting: "proxy",
    kind: "string",
    access: "R",
    default: "",
    check: checkProxy,
    appOnly: true,
  },
  {
    key: "WebSocketPingInterval",
    setting: "keepAliveIntervalS",
    kind: "integer",
    access: "RW",
    default: 0,
    min: 0,
    max: 86400,
  },
  // How long a ping may go unanswered before the connection counts as dead.
  {
    key: "WebSocketPongTimeout",
    setting: "keepAliveTimeoutS",
    kind: "integer",
    access: "RW",
    default: 10,
    min: 1,
    max: 300,
  },
  {
    key: "ResumeTransactionAfterPowerLoss",
    setting: "resumeTransactionAfterPowerLoss",
    kind: "boolean",
    access: "R",
    default: false,
    appOnly: true,
  },
  {
    key: "LocalAuthorizeOffline",
    setting: "localAuthorizeOffline",
    kind: "boolean",
    access: "RW",
    default: true,
  },
  {
    key: "AllowOfflineTxForUnknownId",
    setting: "allowOfflineTxForUnknownId",
    kind: "boolean",
    access: "RW",
    default: false,
  },
  // Availability survives a reboot (section 5.2): connector ids set Inoperative, 0 = whole Charge Point.
  {
    key: "InoperativeConnectors",
    kind: "string",
    access: "R",
    default: "",
    appOnly: true,
    check: (v) =>
      /^(\d+(,\d+)*)?$/.test(String(v))
        ? undefined
        : "must be a comma separated list of connector ids",
  },
  // --- OCPP 1.6 section 9.1, Core profile ---
  { key: "AuthorizationCacheEnabled", kind: "boolean", access: "RW", default: true },
  { key: "AuthorizeRemoteTxRequests", kind: "boolean", access: "RW", default: false },
  { key: "BlinkRepeat", kind: "integer", access: "RW", default: 0, min: 0, max: 100 },
  {
    key: "ClockAlignedDataInterval",
    kind: "integer",
    access: "RW",
    default: 0,
    min: 0,
    max: 86400,
  },
  { key: "ConnectionTimeOut", kind: "integer", access: "RW", default: 60, min: 0, max: 86400 },
  {
    key: "ConnectorPhaseRotation",
    kind: "csl",
    access: "RW",
    default: "0.RST,1.RST",
    check: (v) =>
      String(v).split(",").every((i) =>
          /^\d+\.(NotApplicable|Unknown|RST|RTS|SRT|STR|TRS|TSR)$/.test(i.trim())
        )
        ? undefined
        : "each item must be <connectorId>.<rotation> (e.g. 1.RST)",
  },
  { key: "ConnectorPhaseRotationMaxLength", kind: "integer", access: "R", default: 4 },
  { key: "GetConfigurationMaxKeys", kind: "integer", access: "R", default: 100 },
  { key: "HeartbeatInterval", kind: "integer", access: "RW", default: 86400, min: 0, max: 604800 },
  { key: "LightIntensity", kind: "integer", access: "RW", default: 100, min: 0, max: 100 },
  { key: "LocalPreAuthorize", kind: "boolean", access: "RW", default: false },
  { key: "MaxEnergyOnInvalidId", kind: "integer", access: "RW", default: 0, min: 0 },
  {
    key: "MeterValuesAlignedData",
    kind: "csl",
    access: "RW",
    default: "Energy.Active.Import.Register",
    items: SUPPORTED_MEASURANDS,
    maxItems: 4,
  },
  { key: "MeterValuesAlignedDataMaxLength", kind: "integer", access: "R", default: 4 },
  {
    key: "MeterValuesSampledData",
    kind: "csl",
    access: "RW",
    default: "Energy.Active.Import.Register",
    items: SUPPORTED_MEASURANDS,
    maxItems: 4,
  },
  { key: "MeterValuesSampledDataMaxLength", kind: "integer", access: "R", default: 4 },
  {
    key: "MeterValueSampleInterval",
    kind: "integer",
    access: "RW",
    default: 60,
    min: 0,
    max: 86400,
  },
  { key: "MinimumStatusDuration", kind: "integer", access: "RW", default: 0, min: 0, max: 3600 },
  {
    key: "NumberOfConnectors",
    kind: "integer",
    access: "R",
    default: 1,
    min: 1,
    max: 8,
    reboot: true,
  },
  { key: "ResetRetries", kind: "integer", access: "RW", default: 3, min: 0, max: 10 },
  { key: "StopTransactionOnEVSideDisconnect", kind: "boolean", access: "RW", default: true },
  { key: "StopTransactionOnInvalidId", kind: "boolean", access: "RW", default: true },
  {
    key: "StopTxnAlignedData",
    kind: "csl",
    access: "RW",
    default: "",
    items: SUPPORTED_MEASURANDS,
    maxItems: 4,
  },
  { key: "StopTxnAlignedDataMaxLength", kind: "integer", access: "R", default: 4 },
  {
    key: "StopTxnSampledData",
    kind: "csl",
    access: "RW",
    default: "",
    items: SUPPORTED_MEASURANDS,
    maxItems: 4,
  },
  { key: "StopTxnSampledDataMaxLength", kind: "integer", access: "R", default: 4 },
  {
    key: "SupportedFeatureProfiles",
    kind: "csl",
    access: "R",
    default: "Core,LocalAuthListManagement,RemoteTrigger",
  },
  { key: "SupportedFeatureProfilesMaxLength", kind: "integer", access: "R", default: 6 },
  {
    key: "TransactionMessageAttempts",
    kind: "integer",
    access: "RW",
    default: 3,
    min: 0,
    max: 100,
  },
  {
    key: "TransactionMessageRetryInterval",
    kind: "integer",
    access: "RW",
    default: 60,
    min: 0,
    max: 86400,
  },
  { key: "UnlockConnectorOnEVSideDisconnect", kind: "boolean", access: "RW", default: true },
  // --- OCPP 1.6 section 9.2, Local Auth List Management profile ---
  { key: "LocalAuthListEnabled", kind: "boolean", access: "RW", default: true },
  { key: "LocalAuthListMaxLength", kind: "integer", access: "R", default: 10000 },
  { key: "SendLocalListMaxLength", kind: "integer", access: "R", default: 10000 },
];

const BY_KEY = new Map<string, KeyDef>(REGISTRY.map((d) => [d.key, d]));
const BY_SETTING = new Map<string, KeyDef>(
  REGISTRY.filter((d) => d.setting).map((d) => [d.setting!, d]),
);

/** Finds an entry by OCPP key (exact, case-sensitive as OCPP keys are). */
export function byKey(key: string): KeyDef | undefined {
  return BY_KEY.get(key);
}

/** Finds an entry by app setting name. */
export function bySetting(name: string): KeyDef | undefined {
  return BY_SETTING.get(name);
}

/** The result of parsing a value: the value, or why it is invalid. */
export type Parsed = { readonly ok: true; readonly value: Value } | {
  readonly ok: false;
  readonly reason: string;
};

function validate(def: KeyDef, value: Value): Parsed {
  if (def.kind === "integer") {
    const n = value as number;
    if (def.min !== undefined && n < def.min) return { ok: false, reason: `must be >= ${def.min}` };
    if (def.max !== undefined && n > def.max) return { ok: false, reason: `must be <= ${def.max}` };
  }
  if (def.kind === "string") {
    const s = value as string;
    if (def.choices && !def.choices.includes(s)) {
      return { ok: false, reason: `must be one of ${def.choices.join(", ")}` };
    }
    if (def.max !== undefined && s.length > def.max) {
      return { ok: false, reason: `must be at most ${def.max} characters` };
    }
  }
  if (def.kind === "csl") {
    const items = String(value) === "" ? [] : String(value).split(",").map((i) => i.trim());
    if (def.maxItems !== undefined && items.length > def.maxItems) {
      return { ok: false, reason: `must have at most ${def.maxItems} items` };
    }
    const bad = def.items ? items.find((i) => !def.items!.includes(i)) : undefined;
    if (bad !== undefined) return { ok: false, reason: `unsupported item ${JSON.stringify(bad)}` };
    value = items.join(",");
  }
  const reason = def.check?.(value);
  return reason ? { ok: false, reason } : { ok: true, value };
}

/**
 * Parses a value given as OCPP text (ChangeConfiguration.req value).
 *
 * @example
 * ```ts
 * parseText(byKey("HeartbeatInterval")!, "300"); // { ok: true, value: 300 }
 * ```
 */
export function parseText(def: KeyDef, text: string): Parsed {
  switch (def.kind) {
    case "boolean":
      if (/^(true|false)$/i.test(text)) return { ok: true, value: text.toLowerCase() === "true" };
      return { ok: false, reason: "must be true or false" };
    case "integer":
      if (!/^-?\d{1,15}$/.test(text.trim())) return { ok: false, reason: "must be an integer" };
      return validate(def, Number(text.trim()));
    default:
      return validate(def, text);
  }
}

/** Parses a value given as JSON (local API, config file). */
export function parseJson(def: KeyDef, value: unknown): Parsed {
  switch (def.kind) {
    case "boolean":
      return typeof value === "boolean"
        ? { ok: true, value }
        : { ok: false, reason: "must be a boolean" };
    case "integer":
      return typeof value === "number" && Number.isInteger(value)
        ? validate(def, value)
        : { ok: false, reason: "must be an integer" };
    default:
      return typeof value === "string"
        ? validate(def, value)
        : { ok: false, reason: "must be a string" };
  }
}

/** A value as OCPP text (GetConfiguration.conf). */
export function toText(value: Value): string {
  return String(value);
}

/** A read-only view of the current values, as actors see it. */
export interface ConfigView {
  int(key: string): number;
  bool(key: string): boolean;
  str(key: string): string;
}

/** Builds a view over a plain map of values, with defaults for missing keys. */
export function viewOf(values: ReadonlyMap<string, Value>): ConfigView {
  const get = (key: string, kind: Kind[]): Value => {
    const def = BY_KEY.get(key);
    if (!def || !kind.includes(def.kind)) {
      throw new TypeError(`Cannot read config key ${key}: not a ${kind[0]}`);
    }
    return values.get(key) ?? def.default;
  };
  return {
    int: (key) => get(key, ["integer"]) as number,
    bool: (key) => get(key, ["boolean"]) as boolean,
    str: (key) => String(get(key, ["string", "csl"])),
  };
}
