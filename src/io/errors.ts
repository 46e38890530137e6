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
