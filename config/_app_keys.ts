/**
 * The settings of the wallbox app and of the backend connection (private
 * to `config/`; `registry.ts` joins them with the OCPP keys): the seed
 * page's settings in its order, the Security Whitepaper's connection keys
 * and the vendor keys the runtime keeps for itself, with their checks.
 *
 * @module
 */
import type { AnyConfigView as ConfigView, KeyDef, Value } from "./_types.ts";
import { checkHardwareText } from "./hardware.ts";

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

/**
 * A00.FR.511: the serial number is the CN of the Charge Point certificate and
 * SHALL NOT look like a URL or an IP address (which name a Central System).
 */
function checkSerialNumber(value: Value): string | undefined {
  const s = String(value);
  if (s === "") return undefined;
  if (!/^[\x21-\x7e]+$/.test(s)) return "must be printable ASCII without spaces";
  const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(s);
  const ipv4 = /^\d{1,3}(\.\d{1,3}){3}$/.test(s);
  const ipv6 = /^[0-9a-f]*:[0-9a-f]*:[0-9a-f:.]*$/i.test(s);
  if (url || ipv4 || ipv6) {
    return "must not be a URL or an IP address (Security Whitepaper A00.FR.511)";
  }
  return undefined;
}

/** The app settings and connection keys, in the seed page's order. */
export const APP_KEYS = [
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
  // The Charge Point's unique serial number (Security Whitepaper A00.FR.429): the CN of
  // the CSR and of its certificate (A00.FR.511), BootNotification's chargePointSerialNumber
  // (CiString25). Empty: ChargePointId stands for it.
  {
    key: "ChargePointSerialNumber",
    setting: "chargePointSerialNumber",
    kind: "string",
    access: "R",
    default: "",
    max: 25,
    check: checkSerialNumber,
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
  // Which driver serves which part (config/hardware.ts); "" is the simulated station.
  {
    key: "Hardware",
    setting: "hardware",
    kind: "string",
    access: "R",
    default: "",
    appOnly: true,
    reboot: true,
    json: true,
    check: checkHardwareText,
  },
  // The Reservation profile (section 3.11): off, ReserveNow is answered Rejected (OCTT TC_048_4).
  {
    key: "ReservationEnabled",
    setting: "reservationEnabled",
    kind: "boolean",
    access: "R",
    default: true,
    appOnly: true,
  },
  // The installation's rating (cable, breaker, house connection), A per phase: no connector and
  // not all of them together offer more, whatever a charging profile allows.
  {
    key: "MaxCurrentA",
    setting: "maxCurrentA",
    kind: "integer",
    access: "R",
    default: 32,
    min: 6,
    max: 80,
    appOnly: true,
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
] as const satisfies readonly KeyDef[];
