import { mkdirSync, writeFileSync, existsSync, renameSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { ModuleManifest, WorkflowIR } from "@taskloom/sdk/internal";
import type { TaskOptions } from "@taskloom/sdk";
import type { RunStore } from "../store/run-store.js";
import { decodeRemote } from "../codec/remote-codec.js";
import { GraphReplica } from "../scheduling/graph-replica.js";
import { manifestInline, type InlineFunctions } from "../scheduling/inline-functions.js";
import { checkPlan, type RunPlan } from "../scheduling/run-plan.js";
import { BundleError, ManifestError } from "../errors.js";
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
  /** Someone listens to the run's task events (the run's metadata says so): publish them. */
  events: boolean;
  /**
   * The manifest's inline functions, with a memo for this run: the inline steps of chains'
   * arguments are computed on this thread from the inputs it holds (the values are then packed).
   */
  inline: InlineFunctions;
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
  private readonly manifests = new Map<string, Promise<ModuleManifest>>();
  private readonly inlineManifests = new Map<string, ModuleManifest>();
  private readonly bundles = new Map<string, Promise<string>>();

  constructor(
    private readonly store: RunStore,
    private readonly bundleDir = DEFAULT_BUNDLE_DIR,
  ) {}

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
    const manifest = checkManifest(meta.manifest ? this.inlineManifest(meta.manifest) : await this.manifest(meta.manifestHash), `run ${runId}`);
    const bundle = await this.bundle(meta.bundleHash);
    const workflow = manifest.workflows.find((w) => w.name === meta.workflow);
    if (!workflow) throw new ManifestError(`manifest ${meta.manifestHash} has no workflow ${meta.workflow}`);
    const input = decodeRemote(meta.input);
    const inline = manifestInline(manifest).withMemo();
    const replica = new GraphReplica(workflow, input, lengths, inline);
    return {
      runId,
      manifest,
      workflow,
      input,
      plan: checkPlan(JSON.parse(meta.plan)),
      optimizations: meta.optimizations ? checkOptimizationSettings(JSON.parse(meta.optimizations)) : defaultOptimizationSettings(),
      replica,
      bundleUrl: bundle.url,
      coldBundle: bundle.fresh,
      lastUsed: Date.now(),
      events: meta.events === true || watched,
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
  private inlineManifest(json: string): ModuleManifest {
    let manifest = this.inlineManifests.get(json);
    if (manifest) {
      this.inlineManifests.delete(json);
    } else {
      manifest = JSON.parse(json) as ModuleManifest;
      if (this.inlineManifests.size >= MAX_INLINE_MANIFESTS) this.inlineManifests.delete(this.inlineManifests.keys().next().value as string);
    }
    this.inlineManifests.set(json, manifest); // most recently used last
    return manifest;
  }

  private manifest(hash: string): Promise<ModuleManifest> {
    let p = this.manifests.get(hash);
    if (!p) {
      p = this.store.getBlob("manifest", hash).then((buf) => {
        if (!buf) throw new ManifestError(`manifest ${hash} is missing from Redis`);
        return JSON.parse(buf.toString("utf8")) as ModuleManifest;
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
  private async bundle(hash: string): Promise<{ url: string; fresh: boolean }> {
    let fresh = false;
    let p = this.bundles.get(hash);
    if (!p) {
      fresh = true;
      p = this.writeBundle(hash);
      this.bundles.set(hash, p);
      p.catch(() => this.bundles.delete(hash));
    }
    return { url: await p, fresh };
  }

  private async writeBundle(hash: string): Promise<string> {
    if (!/^[0-9a-f]{6,128}$/i.test(hash)) throw new BundleError(`bad bundle hash ${JSON.stringify(hash)}`);
    const file = join(this.bundleDir, `${hash}.mjs`);
    if (!existsSync(file)) {
      const buf = await this.store.getBlob("bundle", hash);
      if (!buf) throw new BundleError(`task bundle ${hash} is missing from Redis`);
      mkdirSync(this.bundleDir, { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, buf);
      renameSync(tmp, file);
    }
    return pathToFileURL(file).href;
  }
}
