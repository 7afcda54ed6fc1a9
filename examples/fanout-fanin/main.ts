/** `npm run example:fanout-fanin`: 3 → 1 → 3 → 1 → 1, expecting 18,766,224. */
import { runExample } from "../common/run-example.js";
import { fanoutFanin } from "./fanout-fanin.dag.js";
import { FanOutFanIn } from "./fanout-fanin.js";

const result = await runExample({ title: "fanoutFanin()", handle: fanoutFanin, input: undefined, direct: () => FanOutFanIn.fanoutFanin() });
if (result !== 18_766_224) {
  console.log(`  expected 18766224, got ${result}`);
  process.exitCode = 1;
}
