/**
 * What a log line says of a caught error: its stack when it has one, else what it is. One helper,
 * so every log line of a failure reads alike, whatever was thrown (an Error, a string, a value).
 */
export function errorDetail(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return String(error);
}
