/**
 * `loadImages`: one image file, a folder of images, or a folder of
 * class-named subfolders of images (the layout of Keras'
 * image_dataset_from_directory and torchvision's ImageFolder) as tensors.
 */
import * as tf from "@tensorflow/tfjs";
import { readdirSync, type Dirent } from "node:fs";
import { extname, join, resolve } from "node:path";
import { DataFileError, fileSystemError, isFolder, readDataFile } from "./errors.js";
import { convertChannels, decodeImage, type DecodedImage } from "./image_decode.js";

/** File extensions {@link loadImages} reads from folders (case-insensitive). */
export const IMAGE_EXTENSIONS = [".png", ".jpg", ".jpeg"];

/** Options for {@link loadImages}. */
export interface LoadImagesOptions {
  /** Resize every image to [height, width] (bilinear). Default: keep the first image's size; others must match. */
  size?: [number, number];
  /** Channels of the result: 1 (grey), 3 (RGB) or 4 (RGBA). Default: 3 if any image has colour, else 1. */
  channels?: 1 | 3 | 4;
  /** Scale pixels to 0..1 (the default); false gives 0..255. */
  normalize?: boolean;
}

/** What {@link loadImages} returns. */
export interface LoadedImages {
  /** The images, [n, height, width, channels] float32. */
  images: tf.Tensor4D;
  /** Class index of each image, [n] int32, when the folder had class subfolders; otherwise null. */
  labels: tf.Tensor1D | null;
  /** Class names (subfolder names, sorted), indexed by label; empty without subfolders. */
  classNames: string[];
  /** Absolute path of each image, in the order of `images`. */
  paths: string[];
  /** The labels one-hot encoded, [n, classes] (a new tensor: dispose it); throws if there are no labels. */
  oneHot(): tf.Tensor2D;
  /** Frees the tensors. */
  dispose(): void;
}

const LOADER = "loadImages";

function isImageFile(name: string): boolean {
  return IMAGE_EXTENSIONS.includes(extname(name).toLowerCase());
}

function listDir(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch (error) {
    throw fileSystemError(LOADER, dir, error);
  }
}

/** Lists the image files to read and their class, from a file or a folder. */
function collectFiles(root: string): { files: string[]; labels: number[] | null; classNames: string[] } {
  if (!isFolder(LOADER, root)) return { files: [root], labels: null, classNames: [] };

  const entries = listDir(root);
  const classDirs = entries.filter((entry) => entry.isDirectory() && !entry.name.startsWith("."));
  if (classDirs.length === 0) {
    const files = entries.filter((entry) => entry.isFile() && isImageFile(entry.name)).map((entry) => join(root, entry.name));
    if (files.length === 0) {
      throw new DataFileError(LOADER, root, `has no ${IMAGE_EXTENSIONS.join("/")} images (expected image files, or class-named subfolders of them)`);
    }
    return { files, labels: null, classNames: [] };
  }
  // Class subfolders: like Keras, files directly in the root are not part of any class and are left out.
  const files: string[] = [];
  const labels: number[] = [];
  const classNames = classDirs.map((entry) => entry.name);
  classDirs.forEach((entry, classIndex) => {
    const classDir = join(root, entry.name);
    const images = listDir(classDir).filter((file) => file.isFile() && isImageFile(file.name));
    if (images.length === 0) {
      throw new DataFileError(LOADER, classDir, `class folder "${entry.name}" has no ${IMAGE_EXTENSIONS.join("/")} images (remove it or add images)`);
    }
    for (const image of images) {
      files.push(join(classDir, image.name));
      labels.push(classIndex);
    }
  });
  return { files, labels, classNames };
}

function readImage(path: string): DecodedImage {
  return decodeImage(readDataFile(LOADER, path), path, LOADER);
}

/** One image as a [height, width, channels] tensor at the target size. */
function toTensor(image: DecodedImage, path: string, channels: 1 | 3 | 4, size: [number, number] | undefined, first: DecodedImage): tf.Tensor3D {
  const pixels = convertChannels(image, channels);
  const tensor = tf.tensor3d(pixels, [image.height, image.width, channels], "float32");
  if (size === undefined) {
    if (image.width !== first.width || image.height !== first.height) {
      tensor.dispose();
      throw new DataFileError(
        LOADER,
        path,
        `is ${image.width}x${image.height} but the first image is ${first.width}x${first.height}; pass { size: [height, width] } to resize all images`,
      );
    }
    return tensor;
  }
  if (image.height === size[0] && image.width === size[1]) return tensor;
  const resized = tf.image.resizeBilinear(tensor, size);
  tensor.dispose();
  return resized;
}

/**
 * Loads a PNG/JPEG file, a folder of them, or a folder of class-named
 * subfolders (labels follow the sorted subfolder names). Every file read is
 * recorded for `environmentInfo()`. A missing, unreadable or malformed file
 * throws a one-line `DataFileError` naming it.
 *
 * @example
 * const { images, labels, classNames } = data.loadImages("pets/", { size: [64, 64] });
 */
export function loadImages(pathOrDir: string, options: LoadImagesOptions = {}): LoadedImages {
  const root = resolve(pathOrDir);
  const { size, normalize = true } = options;
  if (size !== undefined && (size.length !== 2 || !size.every((side) => Number.isInteger(side) && side > 0))) {
    throw new Error(`loadImages: size must be [height, width] in whole pixels, got ${JSON.stringify(size)}`);
  }
  if (options.channels !== undefined && ![1, 3, 4].includes(options.channels)) {
    throw new Error(`loadImages: channels must be 1, 3 or 4, got ${String(options.channels)}`);
  }
  const { files, labels, classNames } = collectFiles(root);
  const decoded = files.map(readImage);
  const channels = options.channels ?? (decoded.some((image) => image.channels > 1) ? 3 : 1);
  const first = decoded[0]!;
  const images = tf.tidy(() => {
    const tensors = decoded.map((image, i) => toTensor(image, files[i]!, channels, size, first));
    const stacked = tf.stack(tensors) as tf.Tensor4D;
    return normalize ? stacked : (stacked.mul(255) as tf.Tensor4D);
  });
  const labelTensor = labels === null ? null : tf.tensor1d(labels, "int32");
  return {
    images,
    labels: labelTensor,
    classNames,
    paths: files,
    oneHot: () => {
      if (labelTensor === null) {
        throw new Error(`loadImages: ${root} has no class subfolders, so its images have no labels to one-hot encode`);
      }
      return tf.tidy(() => tf.oneHot(labelTensor, classNames.length).toFloat() as tf.Tensor2D);
    },
    dispose: () => {
      images.dispose();
      labelTensor?.dispose();
    },
  };
}
