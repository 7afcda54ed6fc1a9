/**
 * Vitest global setup: starts one real redis-server on a private port for the whole test run and
 * hands its URL to tests through `inject("redisUrl")` and the env `TASKLOOM_TEST_REDIS_URL`.
 * Tests isolate themselves by run id / key prefix; the server is stopped at teardown.
 */
import type { TestProject } from "vitest/node";
import { startRedisServer, type RedisHandle } from "./redis-server.js";

declare module "vitest" {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

let redis: RedisHandle | undefined;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  redis = await startRedisServer();
  process.env.TASKLOOM_TEST_REDIS_URL = redis.url;
  project.provide("redisUrl", redis.url);
  return async () => {
    await redis?.stop();
    redis = undefined;
  };
}
