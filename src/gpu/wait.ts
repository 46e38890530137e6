// Waiting for the GPU without spinning a CPU core.
//
// Why: while a promise from onSubmittedWorkDone() or mapAsync() is pending, Dawn's Node bindings
// poll the device in a tight event-loop loop that keeps one core busy. On a 2-core machine running
// lavapipe (a CPU "GPU") that core is taken from the rasteriser's thread pool. Blocking the thread
// for half a millisecond between event-loop turns lets Dawn still poll, but ~2000×/s instead of
// millions of times, and the shader threads keep both cores.

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** How waits are done: 'sleep' (default) or 'spin' (plain await; kept for the benchmark). */
export let waitMode: 'sleep' | 'spin' = 'sleep';
export function setWaitMode(mode: 'sleep' | 'spin'): void {
  waitMode = mode;
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Event-loop turns taken without sleeping first: a short wait (a small readback) ends within them. */
const EAGER_TURNS = 16;

/**
 * Resolves like `promise`: a few plain event-loop turns first (so short waits keep their latency),
 * then turns separated by short sleeps. `check` runs every turn and may throw (device lost), so
 * that a wait never hangs.
 */
export async function settle<T>(promise: Promise<T>, check?: () => void, sliceMs = 0.5): Promise<T> {
  if (waitMode === 'spin') return promise;
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  for (let turn = 0; !done; turn++) {
    check?.();
    if (turn >= EAGER_TURNS) Atomics.wait(sleeper, 0, 0, sliceMs);
    await nextTurn();
  }
  return promise;
}
