/**
 * Test helper: makes a directory refuse writes, as a read-only data
 * directory does. Mode 0555 is enough for an ordinary user; root ignores
 * modes, so there the directory is also made immutable (`chattr +i`). The
 * helper checks that a write really fails and throws when it cannot make it
 * so: a disk-failure test never passes by not failing the disk.
 *
 * @module
 */

/** Makes `dir` refuse new files; resolves to the function that undoes it. */
export async function readOnlyDir(dir: string): Promise<() => Promise<void>> {
  await Deno.chmod(dir, 0o555);
  let immutable = false;
  if (!(await refusesWrites(dir))) {
    const out = await new Deno.Command("chattr", { args: ["+i", dir], stderr: "piped" }).output()
      .catch((err) => ({ success: false, stderr: new TextEncoder().encode(String(err)) }));
    if (!out.success) {
      await Deno.chmod(dir, 0o755);
      throw new Error(
        `Cannot make ${dir} read-only (root, and chattr +i failed: ${
          new TextDecoder().decode(out.stderr).trim()
        })`,
      );
    }
    immutable = true;
    if (!(await refusesWrites(dir))) throw new Error(`Cannot make ${dir} read-only`);
  }
  return async () => {
    if (immutable) await new Deno.Command("chattr", { args: ["-i", dir] }).output();
    await Deno.chmod(dir, 0o755);
  };
}

async function refusesWrites(dir: string): Promise<boolean> {
  const probe = `${dir}/.probe-${crypto.randomUUID()}`;
  try {
    await Deno.writeTextFile(probe, "x");
  } catch {
    return true;
  }
  await Deno.remove(probe);
  return false;
}
