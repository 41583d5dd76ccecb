/**
 * Time to accuracy (issue 5): the reference CNN (models.create("mnist_cnn"),
 * tfjs-examples mnist-node: RMSprop lr 0.001, categorical cross-entropy,
 * batch 64) trained on the full MNIST training set (data.mnist(), 60,000
 * images, reshuffled each epoch with a fixed seed) on wasm with tensorcell's
 * kernels, until the 10,000-image test set reaches the target accuracy.
 * The test set is evaluated every `evalEvery` batches and at the end of
 * every epoch; evaluation time is reported apart from training time.
 *
 * Run: npx vite-node bench/train/mnist-accuracy.ts [target=0.98] [maxEpochs=5] [evalEvery=235]
 * Prints one line per evaluation and a summary (epochs, wall and CPU seconds).
 * Takes several minutes: run it once, in the background.
 */
import { loadavg } from "node:os";
import { initBackend, tf } from "../../lib/backend/index.js";
import { permutation } from "../../lib/data/batching.js";
import { mnist } from "../../lib/data/mnist.js";
import { models } from "../../lib/models/index.js";

const target = Number(process.argv[2] ?? 0.98);
const maxEpochs = Number(process.argv[3] ?? 5);
const evalEvery = Number(process.argv[4] ?? 235); // about a quarter of the 938 batches of an epoch
const BATCH = 64;
const EVAL_BATCH = 1000;

/** Wall and process-CPU seconds accumulated over the timed sections. */
class Stopwatch {
  wall = 0;
  cpu = 0;
  /** Runs `section` and adds its wall and CPU time. */
  async time<T>(section: () => Promise<T>): Promise<T> {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    try {
      return await section();
    } finally {
      this.wall += (performance.now() - t0) / 1000;
      const used = process.cpuUsage(cpu0);
      this.cpu += (used.user + used.system) / 1e6;
    }
  }
}

/** Test-set accuracy, evaluated in batches of EVAL_BATCH (inference mode). */
async function testAccuracy(model: tf.LayersModel, images: tf.Tensor4D, labels: tf.Tensor1D): Promise<number> {
  let correct = 0;
  for (let start = 0; start < images.shape[0]; start += EVAL_BATCH) {
    const size = Math.min(EVAL_BATCH, images.shape[0] - start);
    const hits = tf.tidy(() => {
      const x = images.slice([start, 0, 0, 0], [size, 28, 28, 1]);
      const predicted = (model.predict(x) as tf.Tensor2D).argMax(-1);
      return predicted.equal(labels.slice([start], [size])).sum();
    });
    correct += (await hits.data())[0]!;
    hits.dispose();
  }
  return correct / images.shape[0];
}

const info = await initBackend("wasm");
if (info.name !== "wasm") throw new Error(`wasm backend unavailable (${info.reason}); this benchmark measures wasm.`);
const tensorsAtStart = tf.memory().numTensors;
const train = mnist({ split: "train" });
const test = mnist({ split: "test" });
const trainOneHot = train.oneHot();
const model = models.create("mnist_cnn");
model.compile({ optimizer: tf.train.rmsprop(0.001), loss: "categoricalCrossentropy" });
const batchesPerEpoch = Math.ceil(train.size / BATCH);
console.log(
  `mnist_cnn (${model.countParams()} params) on wasm (simd=${info.simd}, threads=${info.threads}), RMSprop 0.001, batch ${BATCH}; ` +
    `${train.size} train / ${test.size} test images; target ${target}; eval every ${evalEvery} batches; load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}`,
);

const training = new Stopwatch();
const evaluation = new Stopwatch();
let imagesSeen = 0;
let reached: { epochs: number; images: number; accuracy: number; trainWall: number; trainCpu: number; totalWall: number; totalCpu: number } | undefined;
outer: for (let epoch = 0; epoch < maxEpochs; epoch++) {
  const order = tf.tensor1d(permutation(train.size, { seed: epoch }), "int32");
  for (let batch = 0; batch < batchesPerEpoch; batch++) {
    const start = batch * BATCH;
    const size = Math.min(BATCH, train.size - start);
    await training.time(async () => {
      const [x, y] = tf.tidy(() => {
        const indices = order.slice([start], [size]);
        return [tf.gather(train.images, indices), tf.gather(trainOneHot, indices)];
      });
      await model.trainOnBatch(x, y);
      tf.dispose([x, y]);
    });
    imagesSeen += size;
    const done = batch + 1;
    if (done % evalEvery === 0 || done === batchesPerEpoch) {
      const accuracy = await evaluation.time(() => testAccuracy(model, test.images, test.labels));
      const epochs = epoch + done / batchesPerEpoch;
      console.log(
        `epoch ${epochs.toFixed(2)}: test accuracy ${(100 * accuracy).toFixed(2)}%; training ${training.wall.toFixed(1)} s wall / ${training.cpu.toFixed(1)} s CPU, ` +
          `evaluation ${evaluation.wall.toFixed(1)} s wall; load average ${loadavg()[0]!.toFixed(2)}`,
      );
      if (accuracy >= target) {
        reached = {
          epochs, images: imagesSeen, accuracy,
          trainWall: training.wall, trainCpu: training.cpu,
          totalWall: training.wall + evaluation.wall, totalCpu: training.cpu + evaluation.cpu,
        };
        order.dispose();
        break outer;
      }
    }
  }
  order.dispose();
}

if (reached) {
  console.log(
    `REACHED ${(100 * reached.accuracy).toFixed(2)}% after ${reached.epochs.toFixed(2)} epochs (${reached.images} images): ` +
      `training ${reached.trainWall.toFixed(1)} s wall / ${reached.trainCpu.toFixed(1)} s CPU; with evaluations ${reached.totalWall.toFixed(1)} s wall / ${reached.totalCpu.toFixed(1)} s CPU; ` +
      `${(reached.images / reached.trainWall).toFixed(0)} img/s wall, ${(reached.images / reached.trainCpu).toFixed(0)} img/s CPU`,
  );
} else {
  console.log(`NOT REACHED: ${target} test accuracy not reached within ${maxEpochs} epochs (${training.wall.toFixed(1)} s wall training).`);
}
model.optimizer.dispose();
model.dispose();
tf.dispose([trainOneHot]);
train.dispose();
test.dispose();
console.log(`tensors left after disposing model, optimizer and data: ${tf.memory().numTensors - tensorsAtStart}; load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
