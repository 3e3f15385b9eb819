/**
 * tfjs backend selection inside the browser worker: WebGPU → WebGL → wasm → CPU, or one named.
 * Each backend module registers itself on import; failing ones are skipped with the reason kept
 * so the status bar can say why a slower one was chosen.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
// Node's union package registers chained ops (t.reshape(…)); register them here too so code that
// passes in Node cannot fail only in the browser.
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

export const BROWSER_BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BrowserBackend = (typeof BROWSER_BACKENDS)[number];

export interface BackendReport {
  backend: BrowserBackend;
  /** GPU adapter description for webgpu, e.g. "google swiftshader". */
  adapter?: string;
  /** Backends tried before the chosen one, with why each failed. */
  skipped: { backend: BrowserBackend; reason: string }[];
}

setWasmPaths({ 'tfjs-backend-wasm.wasm': wasmPlain, 'tfjs-backend-wasm-simd.wasm': wasmSimd, 'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded });
// The threaded wasm build spawns emscripten pthread workers from blob URLs, which fail inside a
// bundled module worker; the SIMD single-thread build works everywhere.
tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);

async function adapterName(): Promise<string | undefined> {
  const gpu = (globalThis.navigator as Navigator & { gpu?: GPU }).gpu;
  const adapter = await gpu?.requestAdapter();
  if (!adapter) return undefined;
  const info = adapter.info;
  return [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'unknown adapter';
}

export async function selectBackend(prefer: BrowserBackend | 'auto' = 'auto'): Promise<BackendReport> {
  const order = prefer === 'auto' ? BROWSER_BACKENDS : [prefer];
  const skipped: BackendReport['skipped'] = [];
  for (const backend of order) {
    try {
      if (backend === 'webgpu' && !(await adapterName())) throw new Error('no WebGPU adapter');
      if (!(await tf.setBackend(backend))) throw new Error('initialisation failed');
      await tf.ready();
      // A backend can initialise and still fail on first use (lost context, missing features).
      const probe = tf.tidy(() => tf.sum(tf.matMul(tf.ones([4, 4]), tf.ones([4, 4]))));
      const v = (await probe.data())[0];
      probe.dispose();
      if (v !== 64) throw new Error(`self-test returned ${v}`);
      const report: BackendReport = { backend, skipped };
      if (backend === 'webgpu') report.adapter = await adapterName();
      return report;
    } catch (e) {
      skipped.push({ backend, reason: e instanceof Error ? e.message : String(e) });
    }
  }
  throw new Error(`no tfjs backend works here: ${skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ')}`);
}
