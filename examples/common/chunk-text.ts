/**
 * Splits `text` into chunks of about `chunkSize` characters, cutting only at whitespace so that no
 * word is split. Joining the chunks gives `text` back.
 *
 * @param text - the text to split.
 * @param chunkSize - target chunk length in characters (a chunk grows to the next whitespace).
 * @example
 * ```ts
 * chunkText("a bb ccc dddd", 4); // ["a bb", " ccc", " dddd"]
 * ```
 */
export function chunkText(text: string, chunkSize: number): string[] {
  if (!Number.isInteger(chunkSize) || chunkSize < 1) {
    throw new RangeError(`chunkSize must be a positive integer, got ${chunkSize}`);
  }
  return sliceText(text, chunkSize).map(({ start, end }) => text.slice(start, end));
}

/**
 * Splits `text` into exactly `count` chunks of nearly equal length, cutting only at whitespace
 * (see {@link sliceTextInto}). Joining the chunks gives `text` back.
 *
 * @example
 * ```ts
 * chunkTextInto("a bb ccc dddd", 2); // ["a bb ccc", " dddd"]
 * ```
 */
export function chunkTextInto(text: string, count: number): string[] {
  return sliceTextInto(text, count).map(({ start, end }) => text.slice(start, end));
}

/** A `[start, end)` range of character offsets into a text. */
export interface TextSlice {
  start: number;
  end: number;
}

/**
 * Cuts `text` into consecutive slices of about `chunkSize` characters, each ending at whitespace
 * (or at the end of the text).
 */
export function sliceText(text: string, chunkSize: number): TextSlice[] {
  const slices: TextSlice[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(start + chunkSize, text.length);
    while (end < text.length && !/\s/.test(text.charAt(end))) end++;
    slices.push({ start, end });
    start = end;
  }
  return slices;
}

/**
 * Cuts `text` into exactly `count` consecutive slices of nearly equal length, each ending at
 * whitespace (the last one at the end of the text). A slice may be empty only when the text has
 * fewer words than `count`.
 */
export function sliceTextInto(text: string, count: number): TextSlice[] {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`count must be a positive integer, got ${count}`);
  const slices: TextSlice[] = [];
  let start = 0;
  for (let i = 1; i <= count; i++) {
    let end = i === count ? text.length : Math.max(start, Math.round((i * text.length) / count));
    while (end < text.length && !/\s/.test(text.charAt(end))) end++;
    slices.push({ start, end });
    start = end;
  }
  return slices;
}
