/**
 * Paths relative to the repository root, whatever the working directory.
 *
 * @module
 */

const root = new URL("../", import.meta.url);

/** Absolute path of `relative` inside the repository. */
export function repoPath(relative = ""): string {
  return decodeURIComponent(new URL(relative, root).pathname).replace(/\/$/, "");
}
