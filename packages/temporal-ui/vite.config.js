import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';

import { licences } from './scripts/licences.js';

export default defineConfig({
  plugins: [sveltekit(), licences({ root: import.meta.dirname })],
  define: {
    // Temporal UI calls its HTTP API at VITE_API; empty means the page's own origin, which is
    // where the offline server serves both the pages and /api/v1.
    'import.meta.env.VITE_API': JSON.stringify(''),
  },
  optimizeDeps: { include: ['date-fns', 'date-fns-tz'] },
  build: { chunkSizeWarningLimit: 4096, reportCompressedSize: false },
});
