// Output on stdout after progress on stderr, in that order on one terminal. The command runs under
// bin/webgpu-dec.js, which relays its stderr (to drop Dawn's warnings) but not its stdout, so a
// result printed just after a progress bar could reach the terminal before the bar is erased, and
// be drawn over. stderrFlushed() writes FLUSH to stderr and waits until the launcher, having written
// everything before it, says so over the IPC channel.

/** The request; bin/webgpu-dec.js removes it from the stream (the same string there). */
export const FLUSH = '\u0000webgpu-dec:flush\u0000';

/** Resolves once what was written to stderr so far is out (at once without the launcher; 1 s at most). */
export function stderrFlushed(timeoutMs = 1000): Promise<void> {
  const channel = process.channel;
  if (!process.send || !channel || !process.connected) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      process.off('message', onMessage);
      channel.unref(); // as entry.ts left it: the channel alone must not keep us alive
      resolve();
    };
    const onMessage = (m: unknown) => {
      if (m === 'stderr-flushed') done();
    };
    const timer = setTimeout(done, timeoutMs);
    process.on('message', onMessage);
    channel.ref();
    process.stderr.write(FLUSH);
  });
}
