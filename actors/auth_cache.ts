/**
 * The authorization cache (OCPP 1.6 section 3.5.1) as pure functions.
 *
 * The cache keeps the latest idTagInfo of every idTag the Central System
 * answered for (Authorize.conf, StartTransaction.conf, StopTransaction.conf),
 * valid or not, except idTags on the list (section 3.5.3). It holds at most
 * {@link CACHE_MAX} entries, least recently updated first. Eviction rule,
 * when a new idTag arrives and the cache is full: the least recently updated
 * NOT-valid entry goes (not Accepted, or past its expiryDate); if every
 * entry is valid, the least recently updated one goes. An update of a known
 * idTag takes no room and makes it the most recent. An Accepted entry found
 * past its expiryDate when its idTag is presented becomes Expired ("When the
 * validity of a Cache entry expires, it SHALL be changed to expired").
 *
 * @module
 */
import type { AuthChange, AuthEntry, IdTagInfo } from "./messages.ts";
import { asRefusal, type Cache, idKey, isValid } from "./auth_decision.ts";

/** Most entries in the cache. */
export const CACHE_MAX = 1000;

/** A cache after a change, with the change for the store (none when nothing changed). */
export interface CacheUpdate {
  readonly cache: Cache;
  readonly change?: AuthChange;
}

/**
 * Stores the idTagInfo received for an idTag as its newest entry, evicting
 * by the rule of the module doc when full.
 *
 * @param max the capacity (default {@link CACHE_MAX}).
 */
export function cachePut(
  cache: Cache,
  idTag: string,
  info: IdTagInfo,
  now: number,
  max: number = CACHE_MAX,
): CacheUpdate {
  const key = idKey(idTag);
  const next = new Map(cache);
  next.delete(key);
  const evict: string[] = [];
  while (next.size >= max) {
    let victim: string | undefined;
    for (const [k, e] of next) {
      if (!isValid(e.info, now)) {
        victim = k;
        break;
      }
    }
    victim ??= next.keys().next().value!;
    evict.push(next.get(victim)!.idTag);
    next.delete(victim);
  }
  const entry: AuthEntry = { idTag, info };
  next.set(key, entry);
  return { cache: next, change: { kind: "cache.put", entry, evict } };
}

/**
 * Marks the entry of an idTag Expired when it is Accepted and past its
 * expiryDate (it becomes the newest entry, as in the store).
 */
export function cacheExpire(cache: Cache, idTag: string, now: number): CacheUpdate {
  const key = idKey(idTag);
  const entry = cache.get(key);
  if (!entry || entry.info.status !== "Accepted" || isValid(entry.info, now)) return { cache };
  const next = new Map(cache);
  const expired: AuthEntry = { idTag: entry.idTag, info: asRefusal(entry.info) };
  next.delete(key);
  next.set(key, expired);
  return { cache: next, change: { kind: "cache.put", entry: expired, evict: [] } };
}
