export { createLogger, createDiscardLogger, getVerbosityControl, getOutputControl } from './logger.ts';
export type { KeyValues, Logger, Verbose, VerbosityControl } from './types.ts';
export { createFileOutput } from './file-output.ts';
export type { LogOutput, FileOutput, OutputControl } from './output.ts';
export { resolveLoggerOptions, validateLoggerOptions } from './options.ts';
export type {
  FileOutputOptions,
  LogFormat,
  LoggerOptions,
  PinoLoggerOptions,
  ResolvedLoggerOptions,
} from './options.ts';
export { KlogError, KlogErrorCode, isKlogError } from './errors.ts';
export type { OptionProblem } from '@kubediag/options';
export { loggingFlagOptions, loggerOptionsFromFlags, LOGGING_FLAGS_USAGE } from './flags.ts';
export type { LoggingFlagOptions, LoggingFlagValues } from './flags.ts';
export { createPinoLogger } from './pino-logger.ts';
export type { PinoLike } from './pino-logger.ts';
