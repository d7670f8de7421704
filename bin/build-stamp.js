// What `npm start` compares to decide whether dist/ is current: a hash of every file the build
// reads, so an unchanged checkout starts at once and any change to a source rebuilds.
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

/** Folders the build never reads: dependencies, its own output, data, tests, version control. */
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'coverage', 'test']);
const BUILD_INPUT = /\.(ts|tsx|mts|cts|json)$/;

function buildInputs(root, dir = root) {
  const files = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) files.push(...buildInputs(root, full));
    } else if (entry.isFile() && BUILD_INPUT.test(entry.name)) {
      files.push(path.relative(root, full).split(path.sep).join('/'));
    }
  }
  return files.sort();
}

function sourceFingerprint(root) {
  const hash = crypto.createHash('sha256');
  for (const file of buildInputs(root)) {
    hash.update(`${file}\0`);
    hash.update(fs.readFileSync(path.join(root, file)));
    hash.update('\0');
  }
  return hash.digest('hex');
}

module.exports = { buildInputs, sourceFingerprint };
