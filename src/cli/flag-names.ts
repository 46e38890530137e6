// How a message names a library option on the command line: a library error that names an option
// by its field (OptionError: "lr must be positive") is rendered with the flag instead ("--lr must be
// positive"). A flag is its field in kebab case (args.ts), so the commands' flag specs are the
// only table.
import type { OptionName } from '../io/errors.js';
import { flagOfField } from './args.js';
import { predictFlags } from './predict.js';
import { trainFlags } from './train.js';
import { tsneFlags } from './tsne.js';

const FLAGS = new Set([trainFlags, predictFlags, tsneFlags].flatMap((spec) => Object.keys(spec)));

/** The flag of an option field where a command has one (else the field itself). */
export const flagOf: OptionName = (field) => (FLAGS.has(flagOfField(field)) ? `--${flagOfField(field)}` : field);
