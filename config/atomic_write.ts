/**
 * Writing a small file so that it survives a kill -9 or a power cut at any
 * instant: a new temp file beside it (mode as given), every byte written,
 * fsync, rename over the target, fsync of the directory. Readers see the
 * old file or the new one, never a mix. Used for the settings, the API
 * token and uploaded certificates.
 *
 * @module
 */

/**
 * Replaces `path` with `data`, durably and atomically.
 *
 * @example
 * ```ts
 * writeFileAtomicSync("/var/lib/cp/settings.json", new TextEncoder().encode("{}\n"), 0o600);
 * ```
 */
export function writeFileAtomicSync(path: string, data: Uint8Array, mode: number): void {
  const slash = path.lastIndexOf("/");
  const dir = slash < 0 ? "." : path.slice(0, slash) || "/";
  const tmp = `${dir}/.${path.slice(slash + 1)}.${crypto.randomUUID()}.tmp`;
  const file = Deno.openSync(tmp, { write: true, createNew: true, mode });
  try {
    try {
      // The umask may take bits away, never add them; this only makes sure.
      if (Deno.build.os !== "windows") Deno.chmodSync(tmp, mode);
      for (let off = 0; off < data.length;) off += file.writeSync(data.subarray(off));
      file.syncSync();
    } finally {
      file.close();
    }
    Deno.renameSync(tmp, path);
  } catch (err) {
    try {
      Deno.removeSync(tmp);
    } catch { /* already gone */ }
    throw err;
  }
  // The rename itself must survive a power cut: sync the directory entry.
  const d = Deno.openSync(dir, { read: true });
  try {
    d.syncSync();
  } finally {
    d.close();
  }
}
