/**
 * Lists the .ts files under src/ that no test file (test/**\/*.test.ts) imports directly
 * (`import`, `export ... from`, `import()`, `require()`, `vi.mock()`; type-only imports count
 * too). A file reached only through another module or a test/support helper is listed:
 * test/unit/ is meant to mirror src/ file by file.
 *
 *   npx tsx scripts/untested-sources.ts            the count and the list
 *   npx tsx scripts/untested-sources.ts --project unit   only tests under test/unit/
 */
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..');

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? walk(full) : [full];
  });
}

const SPECIFIER = /(?:\bfrom\s+|\bimport\s*\(\s*|\brequire\s*\(\s*|\bvi\.mock\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm;

/** The src file a relative specifier names, if any (with or without extension, or a folder's index). */
function resolve(fromFile: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = path.resolve(path.dirname(fromFile), specifier);
  return [base, `${base}.ts`, path.join(base, 'index.ts')].find((candidate) => candidate.endsWith('.ts') && fs.existsSync(candidate));
}

export function untestedSources(testDir: string): { sources: string[]; untested: string[] } {
  const sources = walk(path.join(root, 'src'))
    .filter((f) => f.endsWith('.ts'))
    .sort();
  const imported = new Set<string>();
  for (const test of walk(testDir).filter((f) => f.endsWith('.test.ts'))) {
    for (const match of fs.readFileSync(test, 'utf8').matchAll(SPECIFIER)) {
      const target = resolve(test, match[1]!);
      if (target) imported.add(target);
    }
  }
  return { sources, untested: sources.filter((f) => !imported.has(f)) };
}

if (require.main === module) {
  const project = process.argv.indexOf('--project');
  const testDir = path.join(root, 'test', project >= 0 ? (process.argv[project + 1] ?? '') : '');
  const { sources, untested } = untestedSources(testDir);
  for (const file of untested) console.log(path.relative(root, file));
  console.log(`${untested.length} of ${sources.length} source files are imported by no test file under ${path.relative(root, testDir)}/`);
}
