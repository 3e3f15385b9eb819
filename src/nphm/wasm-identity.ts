/**
 * A zero-copy Identity kernel for the wasm backend.
 *
 * tfjs saves every tensor a gradient needs by cloning it (the Identity kernel). The cpu and webgpu
 * backends share the data of a clone; the wasm backend copies it. Under the double backward of the
 * normals that doubles the tape's memory and adds a copy per saved tensor. Tensors are immutable, so
 * sharing the data (by reference count, as wasm's own Reshape does) computes exactly the same.
 */
import * as tf from '@tensorflow/tfjs-core';

interface RefCountingBackend {
  incRef(dataId: unknown): void;
}

let installed = false;

/** Replaces the wasm backend's Identity kernel by a sharing one; idempotent, no-op without wasm. */
export function installZeroCopyWasmIdentity(): void {
  if (installed) return;
  const current = tf.getKernel('Identity', 'wasm');
  if (!current) return;
  installed = true;
  tf.unregisterKernel('Identity', 'wasm');
  tf.registerKernel({
    kernelName: 'Identity',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend }) => {
      const x = inputs.x as tf.TensorInfo;
      // String tensors live outside the heap; keep the original behaviour for them.
      if (x.dtype === 'string') return (current.kernelFunc as tf.KernelFunc)({ inputs, backend, attrs: {} });
      (backend as unknown as RefCountingBackend).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
  });
}
