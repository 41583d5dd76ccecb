// Hidden test for Task 3: the trained model must beat chance (1/3) clearly on held-out shapes.
{
  const predicted = (model.predict(test.images) as tf.Tensor).argMax(-1);
  const heldOutAccuracy = predicted.equal(test.labels.toInt()).mean().dataSync()[0];
  console.log(`held-out accuracy ${heldOutAccuracy.toFixed(3)}`);
  assert(heldOutAccuracy > 0.45, `held-out accuracy ${heldOutAccuracy.toFixed(3)} should exceed 0.45`);
}
