import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import defaultTheme from 'tailwindcss/defaultTheme.js';

// The theme plugin is imported by its file path (npm hoists @temporalio/ui to the workspace root):
// its own imports have no extensions, which Node cannot load through the package's export map,
// while tailwind's config loader resolves them.
import temporal, { textStyles } from '../../node_modules/@temporalio/ui/dist/theme/plugin.js';

/** Where npm put @temporalio/ui: beside this package or hoisted to the workspace root. */
function temporalUiDist() {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', '@temporalio', 'ui', 'dist');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) throw new Error('@temporalio/ui is not installed: run npm ci at the repository root');
  }
}

const uiDist = temporalUiDist();

/** @type {import('tailwindcss').Config} */
export default {
  // The pages' classes live in @temporalio/ui's compiled components: scan them too.
  content: ['./src/**/*.{html,js,svelte,ts}', `${uiDist}/**/*.{html,js,svelte}`],
  darkMode: ['selector', '[data-theme="dark"]'],
  theme: {
    fontFamily: {
      sans: ['Inter', ...defaultTheme.fontFamily.sans],
      mono: ['Noto Sans Mono', ...defaultTheme.fontFamily.mono],
    },
    extend: {
      animation: { 'spin-slow': 'spin 3s linear infinite' },
      zIndex: { 100: '100' },
    },
  },
  plugins: [temporal, textStyles],
};
