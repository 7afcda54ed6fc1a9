import { readFile } from "node:fs/promises";
import { signBlob } from "../../protocol/bundle-signature.js";

/** Bundle signatures already computed, by bundle hash (with the key they were made with). */
const bundleSigs = new Map<string, { key: Buffer; sig: Promise<string> }>();
/** Manifest signatures by manifest JSON (the same object for every run of a module). */
const manifestSigs = new Map<string, { key: Buffer; sig: string }>();

/**
 * The signatures a run carries in its metadata (HMAC-SHA256 of its bundle's bytes and of its
 * manifest's JSON with `key`), computed once per bundle, manifest and key in this process.
 */
export async function runSignatures(
  key: Buffer,
  bundleUrl: URL,
  bundleHash: string,
  manifestJson: string,
): Promise<{ bundleSig: string; manifestSig: string }> {
  let bundle = bundleSigs.get(bundleHash);
  if (!bundle?.key.equals(key)) {
    bundle = { key, sig: readFile(bundleUrl).then((bytes) => signBlob(key, "bundle", bytes)) };
    bundleSigs.set(bundleHash, bundle);
    bundle.sig.catch(() => bundleSigs.delete(bundleHash));
  }
  let manifest = manifestSigs.get(manifestJson);
  if (!manifest?.key.equals(key)) {
    manifest = { key, sig: signBlob(key, "manifest", manifestJson) };
    if (manifestSigs.size >= 64) manifestSigs.clear();
    manifestSigs.set(manifestJson, manifest);
  }
  return { bundleSig: await bundle.sig, manifestSig: manifest.sig };
}
