/**
 * Makes a throwaway TLS setup with the real `openssl`: a self-signed CA, and a server key and
 * certificate it signs for 127.0.0.1 and localhost (what `redis-server --tls-port` needs).
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

/** PEM files in a directory. */
export interface TlsFiles {
  ca: string;
  cert: string;
  key: string;
}

function openssl(args: string[], cwd: string): void {
  const run = spawnSync("openssl", args, { cwd, encoding: "utf8" });
  if (run.error || run.status !== 0) throw new Error(`openssl ${args.join(" ")} failed: ${run.error?.message ?? run.stderr}`);
}

/** Writes ca.pem, server.pem and server.key into `dir`. */
export function makeTlsFiles(dir: string): TlsFiles {
  const files = { ca: join(dir, "ca.pem"), cert: join(dir, "server.pem"), key: join(dir, "server.key") };
  openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=taskloom-test-ca"], dir);
  openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost"], dir);
  writeFileSync(join(dir, "san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  openssl(
    ["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "san.ext"],
    dir,
  );
  return files;
}
