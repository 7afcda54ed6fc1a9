/** `npm run example:image-pipeline`: a 640×480 generated picture, 10 bands, blur → grayscale, merge, checksum. */
import { runExample } from "../common/run-example.js";
import { imagePipeline } from "./image-pipeline.dag.js";
import { ImagePipeline } from "./image-pipeline.js";
import { makeImage } from "./make-image.js";

const image = makeImage(640, 480, 1);
await runExample({
  title: "imagePipeline 640×480",
  handle: imagePipeline,
  input: image,
  direct: () => ImagePipeline.imagePipeline(image),
  show: (r) => ({ width: r.image.width, height: r.image.height, checksum: r.checksum }),
});
