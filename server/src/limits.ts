/**
 * Bounds that every setting of one kind obeys, whichever area owns it.
 *
 * Durations become Node timers, which hold a signed 32-bit count of milliseconds: anything above
 * 2^31−1 ms (about 24.8 days) is silently turned into 1 ms, so `testing.timeoutMs: 1e10` would
 * time every run out at once. Such a value is an invalid setting, never a short timer.
 */

/** The longest delay a Node timer keeps: 2^31−1 ms. */
export const maxDurationMs = 2 ** 31 - 1;

/**
 * The problem with a duration setting, or undefined when it is a whole number of milliseconds
 * from `min` to `maxDurationMs`. `key` is the dotted name the message starts with.
 */
export function durationProblem(key: string, value: unknown, min: number): string | undefined {
  if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= maxDurationMs) return undefined;
  return `${key} must be a whole number of milliseconds from ${min} to ${maxDurationMs}`;
}

/** The checks of the settings outside any area's section, by key: one message per invalid value. */
export function validateCoreSettings(settings: { maxFileSize: number }): { key: string; message: string }[] {
  const problems: { key: string; message: string }[] = [];
  const size = settings.maxFileSize;
  // Zero or a negative limit would read no file at all, and a check of nothing passes.
  if (!(Number.isSafeInteger(size) && size >= 1)) problems.push({ key: 'maxFileSize', message: 'maxFileSize must be a positive whole number of bytes' });
  return problems;
}
