import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { playwright } from '@vitest/browser-playwright';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './scripts/chromium.ts';
import { browserCommands } from './scripts/browser-commands.ts';
import { LongestFirstSequencer } from './scripts/test-sequencer.ts';

// Every dependency the worker imports is pre-bundled up front; otherwise the first dev or browser
// test run re-optimises when the worker loads and reloads the page (stack-notes P5).
const workerDeps = [
  '@tensorflow/tfjs-core',
  '@tensorflow/tfjs-core/dist/register_all_gradients',
  '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops',
  '@tensorflow/tfjs-backend-cpu',
  '@tensorflow/tfjs-backend-webgl',
  '@tensorflow/tfjs-backend-wasm',
  '@tensorflow/tfjs-backend-webgpu',
  'comlink',
  'fflate',
];
// What the studio and the browser tests import besides: found at run time, these made the
// optimiser re-bundle, and the page reload while a worker loads ("the compute worker failed to load").
const pageDeps = [
  '@noble/hashes/sha2.js',
  '@noble/hashes/utils.js',
  'fast-png',
  'three',
  'three/examples/jsm/exporters/GLTFExporter.js',
  'three/examples/jsm/exporters/OBJExporter.js',
  'three/examples/jsm/exporters/PLYExporter.js',
  'yaml',
];

const sassQuiet = { silenceDeprecations: ['import', 'global-builtin', 'color-functions', 'legacy-js-api'] as never[] };

export default defineConfig({
  plugins: [svelte()],
  worker: { format: 'es' },
  optimizeDeps: { include: [...workerDeps, ...pageDeps] },
  css: { preprocessorOptions: { scss: sassQuiet, sass: sassQuiet } },
  build: { target: 'es2022', chunkSizeWarningLimit: 4000 },
  server: { host: '127.0.0.1' },
  test: {
    sequence: { sequencer: LongestFirstSequencer },
    // Test files already run one per core; a headless run inside one stays on its own thread
    // (tests of the thread pool make their own).
    env: { NPHM_THREADS: '1' },
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          environment: 'node',
          include: ['tests/unit/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          pool: 'forks',
          // tfjs-wasm runs single-threaded in Node: one file per core (vitest's default leaves one idle).
          maxWorkers: '100%',
        },
      },
      {
        // Whole-studio tests: build, serve with `vite preview`, drive Debian chromium with playwright-core.
        extends: true,
        test: {
          name: 'e2e',
          environment: 'node',
          include: ['tests/e2e/**/*.e2e.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 300_000,
          pool: 'forks',
          fileParallelism: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          include: ['tests/browser/**/*.browser.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          browser: {
            enabled: true,
            headless: true,
            screenshotFailures: false,
            provider: playwright({ launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS } }),
            instances: [{ browser: 'chromium' }],
            commands: browserCommands,
          },
        },
      },
    ],
  },
});
