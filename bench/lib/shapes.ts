/** The three scheduling shapes of MISSION.md's speed goals, with their inputs and answers. */
export const SHAPES = {
  s1: { label: "S1 tree, 1,024 leaves", size: 1024, tasks: 1024 + 1023, expected: 523_776 },
  s2: { label: "S2 10,000 tiny + sum", size: 10_000, tasks: 10_001, expected: 49_995_000 },
  s3: { label: "S3 chain of 1,000", size: 1000, tasks: 1000, expected: 1000 },
} as const;

/** `[0, 1, …, n − 1]`. */
export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
