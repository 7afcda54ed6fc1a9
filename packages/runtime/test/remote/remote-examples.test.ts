/**
 * Every example, remote on two dag-worker processes, gives the local run's result; one example
 * also runs on a 3-node Redis Cluster on loopback.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startRedisCluster, type RedisHandle } from "../../../../test/setup/redis-server.js";
import { chunkText } from "../../../../examples/common/chunk-text.js";
import { sliceTextInto } from "../../../../examples/common/chunk-text.js";
import { makeText } from "../../../../examples/common/make-text.js";
import { randomMatrix, splitCols, splitRows } from "../../../../examples/gemm/matrix.js";
import { makeImage } from "../../../../examples/image-pipeline/make-image.js";
import { fanoutFanin } from "../../../../examples/fanout-fanin/fanout-fanin.dag.js";
import { gemm } from "../../../../examples/gemm/gemm.dag.js";
import { imagePipeline } from "../../../../examples/image-pipeline/image-pipeline.dag.js";
import { textAnalysis } from "../../../../examples/text-analysis/text-analysis.dag.js";
import { leafTreeReduction, treeReduction } from "../../../../examples/tree-reduction/tree-reduction.dag.js";
import { wordcount } from "../../../../examples/wordcount/wordcount.dag.js";
import { startWorkers, stopWorkers, type WorkerProcess } from "./worker-processes.js";

interface AnyHandle {
  run(input: unknown, options?: { redis?: string }): Promise<unknown>;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const text = makeText(200_000, 3);
const cases: [string, AnyHandle, () => unknown][] = [
  ["wordcount", wordcount as AnyHandle, () => chunkText(makeText(300_000, 1), 20_000)],
  ["treeReduction", treeReduction as AnyHandle, () => range(1024)],
  ["leafTreeReduction", leafTreeReduction as AnyHandle, () => range(1024)],
  ["fanoutFanin", fanoutFanin as AnyHandle, () => undefined],
  ["gemm", gemm as AnyHandle, () => ({ aRows: splitRows(randomMatrix(64, 64, 1), 4), bCols: splitCols(randomMatrix(64, 64, 2), 4) })],
  ["imagePipeline", imagePipeline as AnyHandle, () => makeImage(64, 48, 1)],
  ["textAnalysis", textAnalysis as AnyHandle, () => ({ text, slices: sliceTextInto(text, 8) })],
];

describe("examples, remote on two workers", () => {
  const url = inject("redisUrl");
  let workers: WorkerProcess[] = [];
  beforeAll(async () => {
    workers = await startWorkers(url, 2);
  });
  afterAll(async () => {
    await stopWorkers(workers);
  });

  it.each(cases)("%s equals the local run", async (_name, handle, input) => {
    const value = input();
    expect(await handle.run(value, { redis: url })).toEqual(await handle.run(value));
  });
});

describe("a 3-node Redis Cluster on loopback", () => {
  let cluster: RedisHandle;
  let workers: WorkerProcess[] = [];
  beforeAll(async () => {
    cluster = await startRedisCluster();
    workers = await startWorkers(cluster.url, 2);
  });
  afterAll(async () => {
    await stopWorkers(workers);
    await cluster?.stop();
  });

  it("runs wordcount with the same result as locally", async () => {
    const chunks = chunkText(makeText(100_000, 1), 10_000);
    expect(await wordcount.run(chunks, { redis: cluster.url })).toEqual(await wordcount.run(chunks));
  });
});
