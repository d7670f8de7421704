import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/**
 * A single-page app: every page renders in the browser (see src/routes/+layout.ts), the offline
 * server answers any path that is not a file with index.html.
 * @type {import('@sveltejs/kit').Config}
 */
export default {
  // @temporalio/ui ships its components with TypeScript script blocks.
  preprocess: vitePreprocess(),
  kit: {
    adapter: adapter({ pages: 'build', assets: 'build', fallback: 'index.html', strict: false }),
    prerender: { entries: [] },
  },
};
