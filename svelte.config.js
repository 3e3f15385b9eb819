import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

// Runes only for our own components: rete-svelte-plugin's presets are legacy-mode Svelte.
export default {
  preprocess: vitePreprocess(),
  compilerOptions: {
    runes: ({ filename }) => (filename.split(/[/\\]/).includes('node_modules') ? undefined : true),
  },
};
