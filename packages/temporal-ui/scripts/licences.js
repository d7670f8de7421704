// A vite plugin that ships, beside the built pages, the licence notices of every package whose
// code or files end up in the build (LICENSES.txt), and which @temporalio/ui it holds
// (build-info.json, checked by the tests against the pinned version).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';

/** Fonts come in through app.css, which vite inlines, so they are not in the module graph. */
const ALWAYS_BUNDLED = ['@fontsource-variable/inter', '@fontsource/noto-sans-mono'];

/** The package directory a bundled file belongs to: the deepest node_modules/<name>. */
function packageDirOf(file) {
  const marker = `${sep}node_modules${sep}`;
  const at = file.lastIndexOf(marker);
  if (at < 0) return undefined;
  const rest = file.slice(at + marker.length).split(sep);
  const name = rest[0].startsWith('@') ? `${rest[0]}${sep}${rest[1]}` : rest[0];
  return file.slice(0, at + marker.length) + name;
}

function findPackageDir(name, from) {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) throw new Error(`${name} is not installed`);
  }
}

function notice(dir) {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const licenceFile = readdirSync(dir).find((f) => /^(licen[cs]e|copying)(\.|$)/i.test(f));
  const text = licenceFile ? readFileSync(join(dir, licenceFile), 'utf8').trim() : `Licence: ${pkg.license ?? 'see the package'}`;
  return { name: pkg.name, version: pkg.version, license: pkg.license, text };
}

export function licences({ root }) {
  let ssr = false;
  return {
    name: 'socialops-licences',
    apply: 'build',
    configResolved(config) {
      ssr = Boolean(config.build.ssr);
    },
    generateBundle() {
      if (ssr) return;
      const dirs = new Set(ALWAYS_BUNDLED.map((name) => findPackageDir(name, root)));
      for (const id of this.getModuleIds()) {
        const dir = packageDirOf(id.split('?')[0]);
        if (dir && existsSync(join(dir, 'package.json'))) dirs.add(dir);
      }
      const notices = [...dirs].map(notice).sort((a, b) => a.name.localeCompare(b.name));
      const header =
        'Third-party software bundled in this build of Temporal UI for socialops.\n' +
        'Each package below is shipped under its own licence, reproduced in full.\n';
      const body = notices
        .map((n) => `${'='.repeat(78)}\n${n.name}@${n.version} (${n.license ?? 'unknown'})\n${'-'.repeat(78)}\n${n.text}\n`)
        .join('\n');
      this.emitFile({ type: 'asset', fileName: 'LICENSES.txt', source: `${header}\n${body}` });
      const ui = notices.find((n) => n.name === '@temporalio/ui');
      this.emitFile({
        type: 'asset',
        fileName: 'build-info.json',
        source: `${JSON.stringify({ '@temporalio/ui': ui?.version }, null, 2)}\n`,
      });
    },
  };
}
