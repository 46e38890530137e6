// The product settings a runtime carries: which kernel each class of products gets (`rt.products`)
// and whether deep products are split along K (`rt.splitK`). They are the tensor room's knowledge,
// so the dispatch layer (src/gpu/runtime.ts) does not hold them: this module adds them to every
// Runtime as two properties, kept per runtime here. Importing the matmul op imports this module,
// so every runtime that computes a product has them.
import { Runtime } from '../../gpu/runtime.js';
import { ruleChoice, type ProductChoice } from './matmul-classes.js';

declare module '../../gpu/runtime.js' {
  interface Runtime {
    /**
     * The product kernel of each class of products, and whether its deep products are split along
     * K: the rules of ruleChoice until the product choice is measured or read from the cache
     * (chooseProducts in src/tensor/ops/matmul-choice.ts, which the commands and the library call),
     * or set from a run's config on resume. May be changed (the bench times one kernel everywhere).
     */
    products: ProductChoice;
    /**
     * Forces split-K on (true) or off (false) for every deep product, whatever `products` says;
     * 'auto' (the default) follows `products`. The tests force both paths.
     */
    splitK: boolean | 'auto';
  }
}

interface Settings {
  products?: ProductChoice;
  splitK: boolean | 'auto';
}

const settings = new WeakMap<Runtime, Settings>();

function settingsOf(rt: Runtime): Settings {
  let s = settings.get(rt);
  if (!s) settings.set(rt, (s = { splitK: 'auto' }));
  return s;
}

Object.defineProperties(Runtime.prototype, {
  products: {
    configurable: true,
    // The rules until something sets a choice: read from the adapter at first use.
    get(this: Runtime): ProductChoice {
      const s = settingsOf(this);
      return (s.products ??= ruleChoice(this.gpu));
    },
    set(this: Runtime, choice: ProductChoice) {
      settingsOf(this).products = choice;
    },
  },
  splitK: {
    configurable: true,
    get(this: Runtime): boolean | 'auto' {
      return settingsOf(this).splitK;
    },
    set(this: Runtime, on: boolean | 'auto') {
      settingsOf(this).splitK = on;
    },
  },
});
