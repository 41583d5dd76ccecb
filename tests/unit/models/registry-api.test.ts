import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, test } from "vitest";
import { expectOneLineError } from "../../helpers/one-line-error.js";
import { models } from "../../../lib/models/index.js";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

describe("models.list", () => {
  test("lists the CNN families and filters with * and ? wildcards", () => {
    const all = models.list();
    for (const name of ["lenet5", "simplenet", "mnist_cnn", "resnet18", "resnet20", "convnext_atto", "inception_next_tiny"]) {
      expect(all).toContain(name);
    }
    expect(models.list("resnet?0")).toEqual(["resnet50", "resnet20"]);
    expect(models.list("RESNET1?")).toEqual(["resnet18"]);
    expect(models.list("resnet*").sort()).toEqual([
      "resnet18", "resnet18_ibn_a", "resnet20", "resnet32", "resnet34", "resnet50", "resnet50_ibn_a", "resnet50_ibn_b", "resnet56",
    ]);
    expect(models.list("convnext_*")).toEqual(["convnext_atto", "convnext_femto", "convnext_pico", "convnext_nano", "convnext_tiny"]);
    expect(models.list("no_such_*")).toEqual([]);
  });
});

describe("models.info", () => {
  test("reports family, paper, counted params and defaults", () => {
    const info = models.info("resnet20");
    expect(info).toMatchObject({ name: "resnet20", family: "resnet", task: "image", params: 269_722, defaultInput: [32, 32, 3], numClasses: 10 });
    expect(info.paper).toMatch(/He et al/);
    expect(info.options).toEqual({ numClasses: 10, inputShape: [32, 32, 3], headActivation: "softmax", head: "softmax" });
    expect(models.info("convnext_atto").options).toMatchObject({ dropPathRate: 0, layerScaleInit: 1e-6 });
    expect(models.info("mnist_cnn").params).toBe(594_922);
  });
});

describe("models.create", () => {
  test("builds with options, records its name, and runs forward", () => {
    const net = models.create("resnet20", { numClasses: 7, inputShape: [16, 16, 1] });
    expect(models.nameOf(net)).toBe("resnet20");
    const y = net.predict(tf.ones([2, 16, 16, 1])) as tf.Tensor;
    expect(y.shape).toEqual([2, 7]);
    expect(Array.from(y.sum(1).dataSync()).every((s) => Math.abs(s - 1) < 1e-5)).toBe(true); // softmax rows
    const logits = models.create("resnet20", { headActivation: "linear" });
    expect(logits.layers.at(-1)!.name).toBe("fc");
    tf.dispose([y]);
    net.dispose();
    logits.dispose();
  });

  test("an unknown name suggests close names in one line", () => {
    expectOneLineError(() => models.create("resnet19"), /Unknown model "resnet19"\. Did you mean "resnet18"/);
    expect(() => models.create("convnext_atoo")).toThrowError(/"convnext_atto"/);
  });

  test("bad options give one-line errors that say what was expected", () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ["resnet18", { inputShape: [28, 28] }, /inputShape must be \[height, width, channels\].*got \[28, 28\]\. Add the channel axis, e\.g\. \[28, 28, 1\]/],
      ["resnet18", { inputShape: [1, 224, 224, 3] }, /Leave out the batch axis/],
      ["resnet18", { inputShape: [224, 224, 0] }, /channels must be at least 1/],
      ["resnet18", { inputShape: [16, 16, 3] }, /16x16 is too small.*at least 32/],
      ["convnext_atto", { inputShape: [8, 8, 3] }, /at least 32/],
      ["mnist_cnn", { inputShape: [12, 12, 1] }, /at least 16/],
      ["resnet20", { numClasses: 0 }, /numClasses must be a positive integer/],
      ["resnet20", { numClasses: 2.5 }, /numClasses must be a positive integer/],
      ["resnet20", { numclasses: 10 }, /unknown option "numclasses"; this model accepts numClasses, inputShape, headActivation, head/],
      ["resnet20", { headActivation: "sigmoid" }, /headActivation must be "softmax" or "linear"/],
      ["mnist_cnn", { dropout1: 1.5 }, /dropout1 must be a number in \[0, 1\)/],
    ];
    for (const [name, options, pattern] of cases) {
      expectOneLineError(() => models.create(name, options).dispose(), pattern);
    }
  });
});
