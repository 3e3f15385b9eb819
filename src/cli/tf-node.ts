/**
 * tfjs set-up for Node (CLI, tests, benchmarks).
 *
 * Library code imports `@tensorflow/tfjs-core` only. In Node the union package is what registers
 * the gradients and the cpu backend (its ESM sub-path for gradients does not load natively), and it
 * resolves to the same CJS core instance as library imports do, so importing it here is enough.
 */
import * as tf from '@tensorflow/tfjs-core';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type NodeBackend = 'wasm' | 'cpu' | 'webgpu';
export const NODE_BACKENDS: readonly NodeBackend[] = ['wasm', 'cpu', 'webgpu'];

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

let registered: Promise<void> | undefined;

async function registerAll(): Promise<void> {
  const quiet = console.warn;
  // The union prints an advert for tfjs-node on import; it is not an error.
  console.warn = () => {};
  try {
    await import('@tensorflow/tfjs');
  } finally {
    console.warn = quiet;
  }
  await import('@tensorflow/tfjs-backend-wasm');
}

/**
 * Dawn (the `webgpu` package) needs SwiftShader's Vulkan ICD on a machine without a GPU, and the
 * tfjs webgpu backend registers itself only when `navigator.gpu` exists at import time.
 */
async function registerWebGpu(): Promise<void> {
  process.env.VK_ICD_FILENAMES ??= SWIFTSHADER_ICD;
  if (!process.env.XDG_RUNTIME_DIR) {
    const dir = join(tmpdir(), `nphm-xdg-${process.pid}`);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    process.env.XDG_RUNTIME_DIR = dir;
  }
  const { create, globals } = await import('webgpu');
  Object.assign(globalThis, globals);
  const gpu = create([]);
  const nav = (globalThis as { navigator?: object }).navigator;
  if (nav) Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true });
  else Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true });
  await import('@tensorflow/tfjs-backend-webgpu');
}

/** Registers every Node backend (once) and switches to `backend`. Throws a plain message when it is unavailable. */
export async function initNodeTf(backend: NodeBackend = 'wasm'): Promise<string> {
  registered ??= registerAll();
  await registered;
  if (backend === 'webgpu' && !tf.findBackend('webgpu')) await registerWebGpu();
  const ok = await tf.setBackend(backend);
  if (!ok) throw new Error(`tfjs backend '${backend}' could not be initialised on this machine`);
  await tf.ready();
  // The cpu backend advertises tfjs-node on its first write; the advice does not apply here.
  const cpu = tf.findBackend('cpu') as { firstUse?: boolean } | null;
  if (cpu) cpu.firstUse = false;
  return tf.getBackend();
}

export function parseBackend(value: string | undefined): NodeBackend {
  const b = (value ?? 'wasm') as NodeBackend;
  if (!NODE_BACKENDS.includes(b)) throw new Error(`unknown backend '${value}': use one of ${NODE_BACKENDS.join(', ')}`);
  return b;
}
