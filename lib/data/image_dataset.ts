/** The shape every image dataset in this library takes: images, integer labels, class names. */
import * as tf from "@tensorflow/tfjs";

/** Images with integer class labels, as tensors. */
export interface ImageDataset {
  /** Images, [n, height, width, channels], float32 (0..1 unless normalisation was turned off). */
  images: tf.Tensor4D;
  /** Class index of each image, [n], int32. */
  labels: tf.Tensor1D;
  /** Name of each class, indexed by label. */
  classNames: string[];
  /** Number of classes (classNames.length). */
  numClasses: number;
  /** Number of images. */
  size: number;
  /** The labels one-hot encoded, [n, numClasses] float32 (a new tensor each call: dispose it). */
  oneHot(): tf.Tensor2D;
  /** Frees the images and labels tensors. */
  dispose(): void;
}

/** Builds an {@link ImageDataset} (with any extra fields) around existing tensors. */
export function imageDataset<Extra extends object>(
  images: tf.Tensor4D,
  labels: tf.Tensor1D,
  classNames: string[],
  extra: Extra,
): ImageDataset & Extra {
  return {
    images,
    labels,
    classNames,
    numClasses: classNames.length,
    size: images.shape[0],
    oneHot: () => tf.tidy(() => tf.oneHot(labels, classNames.length).toFloat() as tf.Tensor2D),
    dispose: () => {
      images.dispose();
      labels.dispose();
    },
    ...extra,
  };
}
