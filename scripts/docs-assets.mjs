// Writes the docs portal's static files for Workers Static Assets: the
// Swagger UI files that the native server embeds (runtime/build.rs), taken
// from the same vendored release archive (the `utoipa-swagger-ui-vendored`
// crate Cargo.lock pins), so both targets serve the same bytes; plus a
// `_headers` file that gives them the headers the native server sends.
//
// Usage: node scripts/docs-assets.mjs <assets-dir>
//
// The files land in <assets-dir>/docs/, where `wrangler.toml`'s `[assets]`
// serves them at /docs/... without running the Worker. No dependencies: a
// zip's central directory is simple, and Node has inflate built in.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateRawSync } from 'node:zlib';

/** The files of Swagger UI's `dist/` the portal loads, with their type. */
const FILES = {
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui.css': 'text/css; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

const out = process.argv[2];
if (!out) {
  console.error('usage: node scripts/docs-assets.mjs <assets-dir>');
  process.exit(2);
}
const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// Where cargo unpacked the vendored archive.
const metadata = JSON.parse(
  execFileSync('cargo', ['metadata', '--format-version', '1', '--locked'], {
    cwd: root,
    maxBuffer: 64 * 1024 * 1024,
  }),
);
const vendored = metadata.packages.find((p) => p.name === 'utoipa-swagger-ui-vendored');
if (!vendored) {
  fail('Cargo.lock has no utoipa-swagger-ui-vendored (the keel runtime depends on it)');
}
const res = join(dirname(vendored.manifest_path), 'res');
const archives = readdirSync(res).filter((name) => name.endsWith('.zip'));
if (archives.length !== 1) {
  fail(`expected one Swagger UI archive in ${res}, found ${archives.length}`);
}
const entries = readZip(readFileSync(join(res, archives[0])));

const docs = join(out, 'docs');
mkdirSync(docs, { recursive: true });
let headers = '';
for (const [file, type] of Object.entries(FILES)) {
  const entry = entries.find(
    (e) => e.name.endsWith(`/dist/${file}`) && !e.name.includes('/flavors/'),
  );
  if (!entry) {
    fail(`the Swagger UI archive ${archives[0]} has no dist/${file}`);
  }
  writeFileSync(join(docs, file), entry.read());
  // As the native server sends them: the page asks for them with a `?v=`
  // that changes with each release, so they can be cached for good.
  headers += `/docs/${file}\n  Content-Type: ${type}\n  X-Content-Type-Options: nosniff\n  Cache-Control: public, max-age=31536000, immutable\n`;
}
writeFileSync(join(out, '_headers'), headers);

function fail(message) {
  console.error(`error: ${message}`);
  process.exit(1);
}

/** The entries of a zip archive, each with its name and a reader. */
function readZip(zip) {
  // The end of central directory record: signature, then the directory's
  // entry count at +10, its size at +12 and its offset at +16.
  let end = zip.length - 22;
  while (end >= 0 && zip.readUInt32LE(end) !== 0x06054b50) {
    end -= 1;
  }
  if (end < 0) {
    fail('the Swagger UI archive is not a zip');
  }
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const entries = [];
  for (let i = 0; i < count; i += 1) {
    if (zip.readUInt32LE(at) !== 0x02014b50) {
      fail('the Swagger UI archive has a damaged central directory');
    }
    const method = zip.readUInt16LE(at + 10);
    const compressed = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    entries.push({
      name,
      read() {
        // The local header repeats the name and has its own extra field.
        const start =
          local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
        const data = zip.subarray(start, start + compressed);
        if (method === 0) return data;
        if (method === 8) return inflateRawSync(data);
        fail(`${name} is compressed with method ${method}, which this script does not read`);
      },
    });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}
