// The peer: @tensorflow/tfjs-backend-webgpu on the same adapter (Dawn), when it is installed.
// It is a devDependency; from an installed package it is usually absent and skipped with a note.
import { create, globals } from 'webgpu';
import { settle } from '../src/gpu/wait.js';

export interface TfjsPeer {
  /** y = op(a) · op(b), `reps` times, on tfjs tensors made once; resolves when the GPU has finished. */
  matmul(M: number, N: number, K: number, transA: boolean, transB: boolean): Promise<(reps: number) => Promise<void>>;
  dispose(): void;
}

export async function loadTfjsPeer(adapter?: string): Promise<TfjsPeer | string> {
  // tfjs looks for navigator.gpu, as in a browser, when its backend module loads; give it Dawn
  // (the same adapter as ours).
  Object.assign(globalThis, globals); // GPUBufferUsage, … which tfjs reads as globals
  const gpu = create(adapter ? [`adapter=${adapter}`] : []);
  Object.defineProperty(globalThis, 'navigator', { value: { gpu, userAgent: 'node' }, configurable: true, writable: true });
  let tf: typeof import('@tensorflow/tfjs-core');
  try {
    tf = await import('@tensorflow/tfjs-core');
    await import('@tensorflow/tfjs-backend-webgpu');
  } catch {
    return 'tfjs-webgpu peer skipped: install @tensorflow/tfjs-core and @tensorflow/tfjs-backend-webgpu 4.22 to compare';
  }
  try {
    if (!(await tf.setBackend('webgpu'))) return 'tfjs-webgpu peer skipped: its backend did not initialise';
    await tf.ready();
  } catch (e) {
    return `tfjs-webgpu peer skipped: ${(e as Error).message.split('\n')[0]}`;
  }
  return {
    async matmul(M, N, K, transA, transB) {
      const a = tf.randomUniform(transA ? [K, M] : [M, K]);
      const b = tf.randomUniform(transB ? [N, K] : [K, N]);
      const backend = tf.backend() as unknown as {
        device: GPUDevice;
        commandEncoder: GPUCommandEncoder | null;
        endComputePassEncoder(): void;
        submitQueue(): void;
      };
      return async (reps) => {
        const ys = Array.from({ length: reps }, () => tf.matMul(a, b, transA, transB));
        // Submit and wait for the GPU (no readback), with the same non-spinning wait as ours.
        // (tfjs may have submitted on its own already, leaving no encoder.)
        if (backend.commandEncoder) {
          backend.endComputePassEncoder();
          backend.submitQueue();
        }
        await settle(backend.device.queue.onSubmittedWorkDone());
        ys.forEach((y) => y.dispose());
      };
    },
    dispose() {
      tf.disposeVariables();
      tf.engine().reset();
    },
  };
}
