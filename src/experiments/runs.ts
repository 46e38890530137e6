// The bookkeeping an experiment of many runs needs: each finished run is written as it completes
// (OUT/runs/<key>.json, atomically), a rerun with the same --out skips what is done and says so,
// and progress names the run ("run 3 of 10") with the time left, from the runs timed so far.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeAtomic } from '../io/atomic.js';
import { InputError } from '../io/errors.js';

const fmt = (s: number) => (s >= 90 ? `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${s.toFixed(0)}s`);

export class ExperimentRuns<T> {
  private timed: number[] = [];
  private index = 0;

  constructor(
    readonly dir: string,
    readonly total: number,
    /** What the settings of this experiment are: a rerun with other settings must not mix results. */
    readonly settings: object,
    private log: (line: string) => void,
  ) {
    const file = join(dir, 'settings.json');
    const text = JSON.stringify(settings, null, 2) + '\n';
    if (existsSync(file) && readFileSync(file, 'utf8') !== text) {
      throw new InputError(`--out ${dir} holds an experiment with other settings (${file}); choose another --out or delete that folder`);
    }
    writeAtomic(dir, 'settings.json', text);
  }

  private path(key: string): string {
    return join(this.dir, 'runs', `${key}.json`);
  }

  /** The run's result: read back when a previous invocation finished it, else computed and saved. */
  async run(key: string, label: string, compute: () => Promise<T>): Promise<T> {
    this.index++;
    const where = `run ${this.index} of ${this.total} (${label})`;
    if (existsSync(this.path(key))) {
      this.log(`${where}: done before, read from ${this.path(key)}`);
      return JSON.parse(readFileSync(this.path(key), 'utf8')) as T;
    }
    const left = this.total - this.index + 1;
    const mean = this.timed.length ? this.timed.reduce((a, b) => a + b, 0) / this.timed.length : null;
    this.log(`${where}${mean === null ? '' : `: about ${fmt(mean * left)} left for the ${left === 1 ? "last run" : `${left} runs to go`}`}`);
    const t0 = performance.now();
    const result = await compute();
    this.timed.push((performance.now() - t0) / 1000);
    writeAtomic(join(this.dir, 'runs'), `${key}.json`, JSON.stringify(result, null, 2) + '\n');
    return result;
  }
}
