// Types for docs-results.mjs (a plain script, so that `npm run docs:results` needs no build).
export const PAGES: string[];
export interface Block {
  page: string;
  name: string;
  make(root: string): string;
  /** 'code': counted from the sources (line counts), not read from a result file. */
  kind?: 'code';
}
export const BLOCKS: Block[];
/** Each page as the script would write it, and what differs from it as it is. */
export function generate(root?: string): { page: string; before: string; after: string; problems: string[] }[];
