// Hidden tests for Task 1: edge cases the visible tests do not show.
assertEqual(minMaxScale([5, 5, 5]), [0, 0, 0], "all values equal");
assertClose(minMaxScale([10, -10, 0]), [1, 0, 0.5], undefined, "negative values");
