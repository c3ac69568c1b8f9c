/**
 * The README's TypeScript snippets, type-checked and run, so that a snippet
 * the code no longer agrees with fails CI.
 *
 * Each ```ts block of README.md becomes a file in a temporary directory:
 * named by its first line when that is a `// name.ts` comment (so a
 * `main.ts` can start the `worker.ts` beside it), else `snippet_<line>.ts`.
 * A snippet that imports nothing continues the one before it (a fragment
 * that uses its `mutex`): it is checked and run after that one's code.
 * Relative imports of the repository (`./mod.ts`) are rewritten to absolute
 * URLs of this checkout; imports of another snippet stay relative. All are
 * `deno check`ed together; every snippet that is not a Worker's (started by
 * another) is then run, with the permissions the README asks for (the native
 * backend's `--allow-ffi` included, so that where `/dev/ntsync` works they
 * run on the real driver). In the real-kernel VM (`NTSYNC_KERNEL_VM=1`),
 * where type checking takes minutes per module graph, they are only run:
 * the host checks the same files.
 *
 * @module
 */

import assert from "node:assert/strict";

const ROOT = new URL("../", import.meta.url);
const IN_VM = Deno.env.get("NTSYNC_KERNEL_VM") === "1";

/** One ```ts block of a Markdown file. */
export interface Snippet {
  /** The file name it is written under. */
  readonly name: string;
  /** Its 1-based line in the Markdown file (the fence's). */
  readonly line: number;
  /** Its code. */
  readonly code: string;
}

/** The ```ts blocks of `markdown`, named as the module doc says. */
export function extractSnippets(markdown: string): Snippet[] {
  const lines = markdown.split("\n");
  const out: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== "```ts") continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i].trim() !== "```"; i++) {
      body.push(lines[i]);
    }
    const named = /^\/\/ ([\w.-]+\.ts)$/.exec(body[0] ?? "");
    out.push({
      name: named ? named[1] : `snippet_${start + 1}.ts`,
      line: start + 1,
      code: body.join("\n") + "\n",
    });
  }
  return out;
}

/**
 * `snippets` with every continuation (a snippet that imports nothing)
 * prefixed by the code it continues.
 */
export function withContinuations(snippets: readonly Snippet[]): Snippet[] {
  const out: Snippet[] = [];
  for (const s of snippets) {
    const before = out.at(-1);
    const continues = before !== undefined && !/^\s*import\b/m.test(s.code);
    out.push(continues ? { ...s, code: before.code + s.code } : s);
  }
  return out;
}

/**
 * `code` with its relative imports of the repository made absolute (those
 * of another snippet, in `siblings`, left as they are).
 */
export function mapImports(
  code: string,
  siblings: ReadonlySet<string>,
  root: URL = ROOT,
): string {
  return code.replace(
    /(\bfrom\s*|\bimport\s*\(\s*)(["'])\.\/([^"']+)\2/g,
    (whole, lead: string, quote: string, path: string) =>
      siblings.has(path)
        ? whole
        : `${lead}${quote}${new URL(path, root).href}${quote}`,
  );
}

/** The snippets whose file another snippet starts as a Worker. */
export function workerNames(snippets: readonly Snippet[]): Set<string> {
  const names = new Set<string>();
  for (const s of snippets) {
    for (const m of s.code.matchAll(/new Worker\(\s*new URL\("\.\/([^"]+)"/g)) {
      names.add(m[1]);
    }
  }
  return names;
}

async function deno(args: string[], cwd: string) {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args,
    cwd,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const text = new TextDecoder();
  return {
    code,
    output: text.decode(stdout) + text.decode(stderr),
  };
}

/** Write `snippets` into a fresh directory; returns it and the file names. */
async function writeSnippets(snippets: readonly Snippet[]): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "ntsync-readme-" });
  const names = new Set(snippets.map((s) => s.name));
  for (const s of snippets) {
    await Deno.writeTextFile(`${dir}/${s.name}`, mapImports(s.code, names));
  }
  return dir;
}

const README = await Deno.readTextFile(new URL("README.md", ROOT));
const SNIPPETS = withContinuations(extractSnippets(README));

Deno.test("README: the snippets are found, a Worker's among them", () => {
  // A positive control: if the extraction broke, the tests below would
  // check nothing and pass.
  assert.ok(SNIPPETS.length >= 4, `${SNIPPETS.length} snippets`);
  assert.ok(SNIPPETS.some((s) => s.code.includes('from "./mod.ts"')));
  const workers = workerNames(SNIPPETS);
  assert.ok(workers.has("worker.ts"));
  assert.ok(SNIPPETS.some((s) => s.name === "worker.ts"));
});

Deno.test("README: a snippet that imports nothing continues the one before", () => {
  const [first, second] = withContinuations(extractSnippets(
    '```ts\nimport { a } from "./mod.ts";\n```\ntext\n  ```ts\n  a();\n  ```\n',
  ));
  assert.equal(first.code, 'import { a } from "./mod.ts";\n');
  assert.equal(second.code, 'import { a } from "./mod.ts";\n  a();\n');
  assert.equal(second.line, 5);
});

Deno.test("README: imports of the repository map to this checkout", () => {
  const root = new URL("file:///repo/");
  const code =
    'import { a } from "./mod.ts";\nconst w = await import("./worker.ts");\n' +
    'import { b } from "./uapi/mod.ts";\n';
  assert.equal(
    mapImports(code, new Set(["worker.ts"]), root),
    'import { a } from "file:///repo/mod.ts";\nconst w = await import("./worker.ts");\n' +
      'import { b } from "file:///repo/uapi/mod.ts";\n',
  );
});

Deno.test({
  name: "README: a wrong snippet fails the check (the check can fail)",
  ignore: IN_VM,
}, async () => {
  const dir = await writeSnippets(extractSnippets(
    '```ts\nimport { openDevice } from "./mod.ts";\nopenDevice().createSemaphore("1", 2);\n```\n',
  ));
  try {
    const { code, output } = await deno(["check", "snippet_1.ts"], dir);
    assert.notEqual(code, 0, output);
    assert.match(output, /TS2345/); // argument of the wrong type
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("README: every TypeScript snippet type-checks and runs", async (t) => {
  const dir = await writeSnippets(SNIPPETS);
  try {
    const names = SNIPPETS.map((s) => s.name);
    const checked = IN_VM
      ? { code: 0, output: "" }
      : await deno(["check", ...names], dir);
    assert.equal(
      checked.code,
      0,
      `deno check of the README:\n${checked.output}`,
    );
    const workers = workerNames(SNIPPETS);
    for (const s of SNIPPETS) {
      if (workers.has(s.name)) continue; // runs as the Worker of another
      await t.step(`README.md:${s.line} (${s.name})`, async () => {
        const ran = await deno(
          ["run", "--allow-read", "--allow-ffi", s.name],
          dir,
        );
        assert.equal(ran.code, 0, `README.md:${s.line}:\n${ran.output}`);
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
