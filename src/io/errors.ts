// Errors that are the user's to fix (a flag, a file, a model that does not fit the data): the
// command line prints their one-line message and exits with code 2; anything else exits 1.
/**
 * A problem with the caller's input (an option, a file, a model that does not fit the data); the
 * message says what to do.
 */
export class InputError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

/** How a message names an option: the library's field (`lr`) or the command line's flag (`--lr`). */
export type OptionName = (field: string) => string;

/**
 * A bad option. Its message names the options by their fields (`lr must be positive`), through
 * `render`, so that the command line can name its flags instead (`--lr must be positive`).
 */
export class OptionError extends InputError {
  constructor(
    /** The message with each option named by `name` (the library: the field; the command line: its flag). */
    readonly render: (name: OptionName) => string,
  ) {
    super(render((field) => field));
    this.name = 'OptionError';
  }
}
