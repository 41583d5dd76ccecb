/**
 * The pretext task of Gidaris et al. 2018, "Unsupervised Representation
 * Learning by Predicting Image Rotations" (RotNet): every image in four
 * copies, rotated by 0, 90, 180 and 270 degrees, labelled 0-3. A network
 * trained to predict the label learns features without any human labels.
 */
import * as tf from "@tensorflow/tfjs";

/** What `data.rotations` returns. */
export interface RotatedImages {
  /** [4n, h, w, c]: the n images rotated by 0 degrees, then all rotated by 90, 180, 270 (counter-clockwise). */
  images: tf.Tensor4D;
  /** [4n] int32: the rotation of each image, 0 (0 degrees) to 3 (270 degrees). */
  labels: tf.Tensor1D;
  /** The labels one-hot, [4n, 4] float32 (a new tensor each call). */
  oneHot(): tf.Tensor2D;
  /** Disposes images and labels. */
  dispose(): void;
}

/** Rotates NHWC images by 90 degrees counter-clockwise: out[i][j] = in[j][w - 1 - i]. */
function rotate90(images: tf.Tensor4D): tf.Tensor4D {
  return tf.reverse(tf.transpose(images, [0, 2, 1, 3]), 1);
}

/**
 * Four rotated copies of square NHWC images with rotation labels 0-3, for
 * RotNet-style self-supervised pretraining (no class labels needed).
 * Throws a one-line error for images that are not a 4-D square batch.
 * @example const rot = data.rotations(data.mnist({ limit: 1000 }).images); // 4000 images, labels 0..3
 */
export function rotations(images: tf.Tensor): RotatedImages {
  if (!(images instanceof tf.Tensor)) throw new Error(`data.rotations: images must be a tensor [n, height, width, channels], got ${typeof images}.`);
  if (images.rank !== 4) {
    const hint = images.rank === 3 ? " Add the channel axis (images.expandDims(-1))." : "";
    throw new Error(`data.rotations: images must be a 4-D batch [n, height, width, channels], got shape [${images.shape.join(", ")}].${hint}`);
  }
  const [n, height, width] = images.shape;
  if (height !== width) {
    throw new Error(`data.rotations: images must be square to rotate by 90 degrees, got ${height}x${width}; crop or resize them first (tf.image.resizeBilinear).`);
  }
  const result = tf.tidy(() => {
    const copies: tf.Tensor4D[] = [images as tf.Tensor4D];
    for (let k = 1; k < 4; k++) copies.push(rotate90(copies[k - 1]));
    const labels = tf.tensor1d(Array.from({ length: 4 * n }, (_, i) => Math.floor(i / n)), "int32");
    return { images: tf.concat(copies, 0) as tf.Tensor4D, labels };
  });
  return {
    ...result,
    oneHot: () => tf.oneHot(result.labels, 4).toFloat() as tf.Tensor2D,
    dispose: () => tf.dispose([result.images, result.labels]),
  };
}
