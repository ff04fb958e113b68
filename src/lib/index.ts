export { ExitCode, TurtleError, InvalidInputError, formatIssue, errorMessage } from './errors.js';
export type { Issue, TurtleErrorOptions } from './errors.js';
export { closest, didYouMean, levenshtein, listWords } from './words.js';
