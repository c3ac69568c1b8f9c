/**
 * Citations of `docs/semantics.md#<heading>` in comments, and the page's own
 * `(#anchor)` links, point at headings that exist: a renamed heading fails
 * here rather than leaving dead citations behind.
 *
 * @module
 */

import assert from "node:assert/strict";

const ROOT = new URL("../", import.meta.url);
const PAGE = "docs/semantics.md";

/** GitHub's anchor for a Markdown heading's text. */
export function slug(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

/** The anchors of every heading of `markdown`. */
export function anchors(markdown: string): Set<string> {
  const out = new Set<string>();
  for (const m of markdown.matchAll(/^#{1,6}\s+(.+)$/gm)) out.add(slug(m[1]));
  return out;
}

/** The repository's text files, relative paths (generated caches skipped). */
function* textFiles(dir = ""): Generator<string> {
  for (const entry of Deno.readDirSync(new URL(dir || ".", ROOT))) {
    const rel = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
    if (rel === "tests/kernel/.cache" || rel === "dist") continue;
    if (entry.isDirectory) yield* textFiles(rel);
    else if (/\.(ts|md|json)$/.test(entry.name)) yield rel;
  }
}

Deno.test("docs: slug() makes GitHub's anchors", () => {
  assert.equal(slug("Waits: validation"), "waits-validation");
  assert.equal(slug("Threads, Workers and reap"), "threads-workers-and-reap");
  assert.equal(slug("Owner 0 on older kernels"), "owner-0-on-older-kernels");
});

Deno.test("docs: every citation of docs/semantics.md names a heading of it", () => {
  const page = Deno.readTextFileSync(new URL(PAGE, ROOT));
  const known = anchors(page);
  const cited: string[] = [];
  const dead: string[] = [];
  for (const file of textFiles()) {
    const text = Deno.readTextFileSync(new URL(file, ROOT));
    const refs = file === PAGE
      ? text.matchAll(/\]\(#([\w-]+)\)/g)
      : text.matchAll(/docs\/semantics\.md#([\w-]+)/g);
    for (const m of refs) {
      cited.push(m[1]);
      if (!known.has(m[1])) dead.push(`${file}: #${m[1]}`);
    }
  }
  // A positive control: the comments do cite the page.
  assert.ok(cited.length > 20, `only ${cited.length} citations found`);
  assert.deepEqual(dead, []);
});
