#!/usr/bin/env node
// Entry point of the installed command; the TypeScript is compiled to dist/ by `npm run build`.
import { main } from '../dist/src/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(`webgpu-dec: ${err && err.message ? err.message : err}`);
    process.exit(1);
  },
);
