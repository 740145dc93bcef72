/**
 * Settings that are each valid but cannot work together, refused when the
 * installer saves them (`PATCH /api/settings`), each with the field to fix
 * and a code the pages translate (`field.<code>` in `api/static/i18n.js`):
 *
 * | Code | When | Field |
 * |---|---|---|
 * | `needs_wss` | security profile 2 or 3 with a ws:// URL (TLS is what the profile adds) | `backendUrl` |
 * | `needs_password` | security profile 1 or 2 without a backend password (HTTP Basic) | `backendPassword` |
 * | `needs_client_cert` | security profile 3 without a client certificate and key | `tlsClientCertFile` |
 * | `needs_url` | a connection type (Ethernet/WLAN) without a backend URL | `backendUrl` |
 *
 * Only a change that touches one of the connection settings is checked, so a
 * wallbox whose backend raised its profile (over OCPP, where the scheme is
 * switched to wss:// by the runtime, Security Whitepaper) still saves other
 * settings. The backend's own ChangeConfiguration has its checks in the
 * registry (`securityProfileRefusal`).
 *
 * @module
 */
import type { AnyConfigView as ConfigView, Value } from "./_types.ts";
import type { FieldError } from "./store.ts";

/** Every code of {@link coherenceErrors}. */
export const COHERENCE_CODES = [
  "needs_wss",
  "needs_password",
  "needs_client_cert",
  "needs_url",
] as const;

/** The keys whose change is checked. */
const CONNECTION_KEYS = new Set([
  "BackendConnectionType",
  "CentralSystemUrl",
  "SecurityProfile",
  "AuthorizationKey",
  "TlsClientCertFile",
  "TlsClientKeyFile",
]);

/**
 * The combination errors of the settings after `changes`.
 *
 * @param current the settings now.
 * @param changes the validated changes, by OCPP key.
 * @returns one error per problem, empty when they can work.
 *
 * @example Profile 3 on a ws:// URL
 * ```ts ignore
 * coherenceErrors(view, new Map([["SecurityProfile", 3]]));
 * // [{ field: "backendUrl", reason: "...", code: "needs_wss", params: { profile: 3 } }, ...]
 * ```
 */
export function coherenceErrors(
  current: ConfigView,
  changes: ReadonlyMap<string, Value>,
): FieldError[] {
  if (![...changes.keys()].some((k) => CONNECTION_KEYS.has(k))) return [];
  const get = (key: string) => (changes.has(key) ? changes.get(key)! : current.str(key));
  const type = String(get("BackendConnectionType"));
  if (type === "none") return [];
  const url = String(get("CentralSystemUrl"));
  const profile = Number(changes.get("SecurityProfile") ?? current.int("SecurityProfile"));
  const errors: FieldError[] = [];
  if (url === "") {
    errors.push({
      field: "backendUrl",
      reason: "is needed for a backend connection (Ethernet or WLAN)",
      code: "needs_url",
      params: {},
    });
    return errors;
  }
  if (profile >= 2 && /^ws:/i.test(url)) {
    errors.push({
      field: "backendUrl",
      reason: `must be a wss:// URL: security profile ${profile} uses TLS`,
      code: "needs_wss",
      params: { profile },
    });
  }
  if ((profile === 1 || profile === 2) && String(get("AuthorizationKey")) === "") {
    errors.push({
      field: "backendPassword",
      reason: `is needed: security profile ${profile} logs in with HTTP Basic authentication`,
      code: "needs_password",
      params: { profile },
    });
  }
  if (
    profile === 3 &&
    (String(get("TlsClientCertFile")) === "" || String(get("TlsClientKeyFile")) === "")
  ) {
    errors.push({
      field: "tlsClientCertFile",
      reason: "is needed: security profile 3 logs in with a client certificate and key",
      code: "needs_client_cert",
      params: {},
    });
  }
  return errors;
}
