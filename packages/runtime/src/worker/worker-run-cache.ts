import { streamWorkflow } from "../scheduling/stream-edges.js";
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync, readFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { ModuleManifest, WorkflowIR } from "@taskloom/sdk/internal";
import type { TaskOptions } from "@taskloom/sdk";
import type { RunStore } from "../store/run-store.js";
import { decodeStored } from "../codec/remote-codec.js";
import { DEFAULT_MAX_VALUE_BYTES } from "../codec/value-limit.js";
import { verifyBlob, type SignedKind } from "../protocol/bundle-signature.js";
import { GraphReplica } from "../scheduling/graph-replica.js";
import { manifestInline, type InlineFunctions } from "../scheduling/inline-functions.js";
import { checkPlan, type RunPlan } from "../scheduling/run-plan.js";
import { BundleError, BundleSignatureError, ManifestError } from "../errors.js";
import { RunLock } from "./run-lock.js";
import { checkManifest, taskOptionsOf } from "../protocol/manifest-check.js";
import { checkOptimizationSettings, defaultOptimizationSettings, type OptimizationSettings } from "../scheduling/optimizations.js";

/** What a worker keeps about a run it works on. */
export interface WorkerRun {
  runId: string;
  manifest: ModuleManifest;
  workflow: WorkflowIR;
  input: unknown;
  plan: RunPlan;
  /** The largest value the run may hold here: the run's `maxValueBytes`, or this worker's `--max-value-bytes` when lower. */
  maxValueBytes: number;
  /** The run's optimization settings (switches, large-output threshold, longest delay). */
  optimizations: OptimizationSettings;
  replica: GraphReplica;
  /** file: URL of the cached task bundle. */
  bundleUrl: string;
  /** Whether this worker loaded the bundle for this run (the first task is cold). */
  coldBundle: boolean;
  lastUsed: number;
  /** Serializes expansions of this run on this worker. */
  lock: RunLock;
  /** Instances this worker completed (predicts which outputs a completion stores). */
  localDone: Set<string>;
  /** The `@task` options of a task (retries, retryDelayMs, timeoutMs, memoryMb), from the manifest. */
  taskOptions(task: string): Readonly<TaskOptions>;
  /** Set once the run failed or ended here: its chains stop. */
  over: boolean;
  /** Someone listens to the run's task events (its metadata says so, or a dashboard watches): publish them. */
  events: boolean;
  /**
   * A client listens (`onEvent`, `progress`: the run's metadata says so): publish every event. A
   * dashboard alone gets the batch starts and failures only; it reads the finished tasks from the
   * metrics records the worker writes anyway.
   */
  clientEvents: boolean;
  /**
   * The manifest's inline functions, with a memo for this run: the inline steps of chains'
   * arguments are computed on this thread from the inputs it holds (the values are then packed).
   */
  inline: InlineFunctions;
}

/** Options of a {@link WorkerRunCache}. */
export interface RunCacheOptions {
  /** Where bundles are written (default {@link DEFAULT_BUNDLE_DIR}). */
  bundleDir?: string;
  /** This worker's own value limit (`--max-value-bytes`); a run's lower limit wins. */
  maxValueBytes?: number;
  /** With a key, runs whose bundle or manifest is not signed with it are refused (`TL_BUNDLE_SIGNATURE`). */
  signingKey?: Buffer;
}

/** The content hash the compiler names a bundle by (and the client a manifest blob by): sha256, 16 hex digits. */
function contentHash(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex").slice(0, 16);
}

/** Inline manifests kept parsed (least recently used go first). */
const MAX_INLINE_MANIFESTS = 16;

/** Default bundle cache: inside the runtime package, so bundles resolve its node_modules. */
export const DEFAULT_BUNDLE_DIR = fileURLToPath(new URL("../../.bundle-cache", import.meta.url));

/**
 * A worker's cache of runs, manifests (by hash) and bundles (files by hash): each is fetched from
 * the store once, then shared by every task of every run that uses it.
 */
export class WorkerRunCache {
  private readonly runs = new Map<string, Promise<WorkerRun | undefined>>();
  private readonly manifests = new Map<string, Promise<{ manifest: ModuleManifest; json: string }>>();
  private readonly inlineManifests = new Map<string, ModuleManifest>();
  private readonly bundles = new Map<string, Promise<{ url: string; bytes: Buffer }>>();
  /** Signatures that verified, by kind, hash and signature (a bundle is hashed once per key). */
  private readonly verified = new Set<string>();
  private readonly bundleDir: string;
  private readonly maxValueBytes: number;
  private readonly signingKey: Buffer | undefined;

  constructor(
    private readonly store: RunStore,
    options: RunCacheOptions = {},
  ) {
    this.bundleDir = options.bundleDir ?? DEFAULT_BUNDLE_DIR;
    this.maxValueBytes = options.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES;
    this.signingKey = options.signingKey;
  }

  /** The run, or `undefined` when it is not running any more (finished, failed, deleted). */
  get(runId: string): Promise<WorkerRun | undefined> {
    let p = this.runs.get(runId);
    if (!p) {
      p = this.load(runId);
      this.runs.set(runId, p);
      p.then(
        (r) => {
          if (!r) this.runs.delete(runId);
        },
        () => this.runs.delete(runId),
      );
    }
    return p;
  }

  forget(runId: string): void {
    this.runs.delete(runId);
  }

  /**
   * Checks every cached run against the store (after Redis came back): a run whose metadata is gone
   * (Redis restarted without persistence, or flushed) is over here, and forgotten. Returns their ids.
   */
  async dropLost(): Promise<string[]> {
    const lost: string[] = [];
    await Promise.all(
      [...this.runs].map(async ([id, p]) => {
        const run = await p.catch(() => undefined);
        if (!run || run.over || (await this.store.getMeta(id)) !== undefined) return;
        run.over = true;
        if (this.runs.get(id) === p) this.runs.delete(id);
        lost.push(id);
      }),
    );
    return lost;
  }

  /** Forgets runs unused for `idleMs`. */
  sweep(idleMs: number): void {
    const cutoff = Date.now() - idleMs;
    for (const [id, p] of this.runs)
      void p.then((r) => {
        if (r && r.lastUsed < cutoff) this.runs.delete(id);
      });
  }

  private async load(runId: string): Promise<WorkerRun | undefined> {
    // One round trip: a dashboard watching the deployment gets the task events of every run loaded meanwhile.
    const [meta, lengths, watched] = await Promise.all([
      this.store.getMeta(runId),
      this.store.getLengths(runId),
      this.store.dashboardWatching().catch(() => false),
    ]);
    if (meta?.status !== "running") return undefined;
    const { manifest: parsed, json } = meta.manifest ? this.inlineManifest(meta.manifest) : await this.manifest(meta.manifestHash);
    this.checkSignature(runId, "manifest", meta.manifestHash, json, meta.manifestSig ?? "");
    const manifest = checkManifest(parsed, `run ${runId}`);
    const bundle = await this.bundle(meta.bundleHash);
    this.checkSignature(runId, "bundle", meta.bundleHash, bundle.bytes, meta.bundleSig ?? "");
    const given = manifest.workflows.find((w) => w.name === meta.workflow);
    if (!given) throw new ManifestError(`manifest ${meta.manifestHash} has no workflow ${meta.workflow}`);
    // As the client: streaming readers start with their producers (see streamWorkflow).
    const workflow = streamWorkflow(given, manifest).workflow;
    const maxValueBytes = Math.min(meta.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES, this.maxValueBytes);
    const input = decodeStored(meta.input, "stored input", maxValueBytes);
    const inline = manifestInline(manifest).withMemo();
    const replica = new GraphReplica(workflow, input, lengths, inline);
    return {
      runId,
      manifest,
      workflow,
      input,
      plan: checkPlan(JSON.parse(meta.plan)),
      maxValueBytes,
      optimizations: meta.optimizations ? checkOptimizationSettings(JSON.parse(meta.optimizations)) : defaultOptimizationSettings(),
      replica,
      bundleUrl: bundle.url,
      coldBundle: bundle.fresh,
      lastUsed: Date.now(),
      events: meta.events === true || watched,
      clientEvents: meta.events === true,
      lock: new RunLock(),
      localDone: new Set(),
      over: false,
      inline,
      taskOptions: (task) => taskOptionsOf(manifest, task),
    };
  }

  /**
   * A manifest that travelled inside a run's metadata, parsed once per distinct text: runs of one
   * workflow then share its objects, and with them the graphs kept by shape (see GraphReplica).
   */
  private inlineManifest(json: string): { manifest: ModuleManifest; json: string } {
    let manifest = this.inlineManifests.get(json);
    if (manifest) {
      this.inlineManifests.delete(json);
    } else {
      manifest = parseManifest(json, "the manifest in the run's metadata");
      if (this.inlineManifests.size >= MAX_INLINE_MANIFESTS) this.inlineManifests.delete(this.inlineManifests.keys().next().value as string);
    }
    this.inlineManifests.set(json, manifest); // most recently used last
    return { manifest, json };
  }

  /**
   * With a signing key, refuses what is unsigned or signed with another key (or altered since).
   * Without one, signatures are not looked at.
   */
  private checkSignature(runId: string, kind: SignedKind, hash: string, data: Uint8Array | string, signature: string): void {
    if (!this.signingKey) return;
    const memo = `${kind}:${hash}:${signature}`;
    if (this.verified.has(memo)) return;
    const verdict = verifyBlob(this.signingKey, kind, data, signature);
    if (verdict === "ok") {
      this.verified.add(memo);
      return;
    }
    const what = kind === "bundle" ? `the task bundle ${hash}` : `the manifest${hash ? ` ${hash}` : ""}`;
    throw new BundleSignatureError(
      verdict === "unsigned"
        ? `run ${runId} refused: ${what} is not signed, and this worker runs only signed code (it has a signing key); give the client the same key (TASKLOOM_SIGNING_KEY or the run option signingKey)`
        : `run ${runId} refused: ${what} is signed with another key (or was altered after signing); the client and this worker must share one signing key`,
    );
  }

  private manifest(hash: string): Promise<{ manifest: ModuleManifest; json: string }> {
    let p = this.manifests.get(hash);
    if (!p) {
      p = this.store.getBlob("manifest", hash).then((buf) => {
        if (!buf) throw new ManifestError(`manifest ${hash} is missing from Redis`);
        const json = buf.toString("utf8");
        const actual = contentHash(json);
        if (actual !== hash)
          throw new ManifestError(`manifest ${hash} in Redis does not match its hash (its bytes hash to ${actual}): it was corrupted or replaced`);
        return { manifest: parseManifest(json, `manifest ${hash}`), json };
      });
      this.manifests.set(hash, p);
      p.catch(() => this.manifests.delete(hash));
    }
    return p;
  }

  /**
   * The bundle's file URL, written once per hash. Only the worker's threads import it (the main
   * thread reads task options from the manifest); a bundle that fails to load there fails the run
   * with `TL_BUNDLE` (chain-runner.ts).
   */
  private async bundle(hash: string): Promise<{ url: string; bytes: Buffer; fresh: boolean }> {
    let fresh = false;
    let p = this.bundles.get(hash);
    if (!p) {
      fresh = true;
      p = this.writeBundle(hash);
      this.bundles.set(hash, p);
      p.catch(() => this.bundles.delete(hash));
    }
    return { ...(await p), fresh };
  }

  /**
   * The bundle's file, written from Redis unless a file of the right bytes is there already. Bytes
   * that do not hash to the bundle's name (corrupted, truncated or replaced in Redis) are refused
   * with `TL_BUNDLE_HASH` and never written or loaded.
   */
  private async writeBundle(hash: string): Promise<{ url: string; bytes: Buffer }> {
    if (!/^[0-9a-f]{6,128}$/i.test(hash)) throw new BundleError(`bad bundle hash ${JSON.stringify(hash)}`);
    const file = join(this.bundleDir, `${hash}.mjs`);
    let bytes: Buffer | undefined;
    try {
      bytes = readFileSync(file);
    } catch {
      bytes = undefined;
    }
    if (!bytes || contentHash(bytes) !== hash) {
      const buf = await this.store.getBlob("bundle", hash);
      if (!buf) throw new BundleError(`task bundle ${hash} is missing from Redis`);
      const actual = contentHash(buf);
      if (actual !== hash) {
        throw new BundleError(
          `task bundle ${hash} in Redis does not match its hash (its ${buf.byteLength} bytes hash to ${actual}): it was corrupted, truncated or replaced; delete the key and run again to upload it anew`,
          { code: "TL_BUNDLE_HASH" },
        );
      }
      mkdirSync(this.bundleDir, { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, buf);
      renameSync(tmp, file);
      bytes = buf;
    }
    return { url: pathToFileURL(file).href, bytes };
  }
}

/** A manifest's JSON parsed, or a {@link ManifestError} saying what holds it (`TL_MANIFEST`, never an internal error). */
function parseManifest(json: string, what: string): ModuleManifest {
  let manifest: unknown;
  try {
    manifest = JSON.parse(json);
  } catch (error) {
    throw new ManifestError(`${what} is not valid JSON (truncated or corrupted): ${(error as Error).message}`);
  }
  if (
    typeof manifest !== "object" ||
    manifest === null ||
    typeof (manifest as ModuleManifest).workflows !== "object" ||
    typeof (manifest as ModuleManifest).tasks !== "object"
  ) {
    // checkManifest names the version when there is one; without workflows and tasks it is no manifest at all.
    if (typeof manifest === "object" && manifest !== null && "version" in manifest) return manifest as ModuleManifest;
    throw new ManifestError(`${what} is not a Taskloom manifest (no workflows and tasks)`);
  }
  return manifest as ModuleManifest;
}
