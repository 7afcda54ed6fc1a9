import type { Redis } from "ioredis";

/**
 * Keys of runs (hash-tagged `<prefix>:{<run>}:…`) left in Redis after the runs, with a full SCAN:
 * the metrics lists (kept with a TTL) and the run index (`<prefix>:{runs}:…`, shared by every run)
 * excepted.
 */
export async function runKeysLeft(redis: Redis, prefix = "tl"): Promise<number> {
  let left = 0;
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:{*`, "COUNT", 1000);
    cursor = next;
    left += keys.filter((k) => !k.endsWith(":metrics") && !k.startsWith(`${prefix}:{runs}:`)).length;
  } while (cursor !== "0");
  return left;
}
